"""The monthly 专班 report (work plan 五): the targets, each chain's figures, the month's white- and black-list
changes, vouchers and financings, and what is overdue — as an Excel workbook (``workbook_bytes``) and a PDF
(``pdf.py``), generated from live records.

Reproducible: every query reads records as of the month's end (days ≤ the month's last day; moments before the
next day begins in Beijing), so a record added after the month changes nothing, and the output carries no "now"
but the month. Two states read now and not as of then, said in the workbook: a voucher's or a financing's status
(overdue: matured by the month's end and unpaid — a later payment settles it) and banks' corrections of their
reports (see ``queries``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select

from lianrong.adapters import spreadsheet as xl
from lianrong.adapters.db import programme_tables as pt
from lianrong.adapters.db import tables as t
from lianrong.platform.context import Actor, Context
from lianrong.programme.targets import figures as fg
from lianrong.programme.targets import queries, report_queries
from lianrong.programme.targets.model import Target, month_end, month_of, month_start, parse_month, shift_month

LABELS: dict[Target, tuple[str, str]] = {
    Target.KEY_CHAIN_FINANCING: ("重点产业链累计融资", "Cumulative financing to key chains"),
    Target.PRODUCTS: ("数字化供应链金融产品", "Digital supply-chain finance products"),
    Target.CORE_ENTERPRISES: ("入驻平台核心企业", "Core enterprises on the platform"),
    Target.YEARLY_CREDIT: ("本年产业链授信", "Chain credit granted this year"),
}


@dataclass(frozen=True)
class ChainRow:
    id: str
    name: str
    key_chain: bool
    members: int
    cores_listed: int
    financing_fen: int  # cumulative, key chains only (ledger + reported)
    credit_fen: int  # this year (ledger + reported)
    reported_financing_fen: int  # of it, reported by banks


@dataclass(frozen=True)
class Change:
    day: dt.date
    what: str  # e.g. approve, listed, removed
    subject: str
    chain: str
    reason: str


@dataclass(frozen=True)
class FinancingLine:
    id: str
    day: dt.date
    bank: str
    applicant: str
    principal_fen: int
    status: str
    maturity_on: dt.date


@dataclass(frozen=True)
class MonthlyReport:
    month: str
    as_of: dt.date
    dashboard: queries.Dashboard
    chains: tuple[ChainRow, ...]
    whitelist: tuple[Change, ...]
    blacklist: tuple[Change, ...]
    vouchers_issued: tuple[int, int]  # count, face fen, in the month
    financings: tuple[FinancingLine, ...]  # disbursed in the month
    overdue_vouchers: tuple[tuple[str, str, dt.date, int], ...]  # number, core, maturity, face
    overdue_financings: tuple[FinancingLine, ...]


def _name(p: Any) -> Any:
    return func.coalesce(p.c.short_name, p.c.name)


def report(ctx: Context, *, viewer: Actor, month: str) -> MonthlyReport:
    """The month's report data, as of its last day (scoped like the dashboard)."""
    month = parse_month(month)
    first, last = month_start(month), month_end(month)
    end = fg.end_moment(last)
    board = queries.dashboard(ctx, viewer=viewer, month=month)
    with ctx.uow(readonly=True) as uow:
        chains = queries.viewer_chains(uow, viewer)
        conn = uow.conn
        chain_ids = [c.id for c in board.chains]
        m = pt.chain_member.c
        members = dict(
            conn.execute(
                select(m.chain_id, func.count())
                .where(m.chain_id.in_(chain_ids), m.joined_on <= last, or_(m.left_on.is_(None), m.left_on > last))
                .group_by(m.chain_id)
            ).all()
        )
        w, e, core, ch = pt.whitelist_entry, pt.whitelist_event, t.party.alias("core"), pt.chain
        wl_stmt = (
            select(e.c.at, e.c.action, e.c.status, e.c.reason, _name(core).label("core"), ch.c.name.label("chain"))
            .select_from(
                e.join(w, w.c.id == e.c.entry_id).join(core, core.c.id == w.c.core_id).join(ch, ch.c.id == w.c.chain_id)
            )
            .where(e.c.at >= fg.end_moment(first - dt.timedelta(days=1)), e.c.at < end)
            .order_by(e.c.at, e.c.id)
        )
        if chains is not None:
            wl_stmt = wl_stmt.where(w.c.chain_id.in_(sorted(chains)))
        whitelist = tuple(
            Change(_beijing_day(r.at), f"{r.action}→{r.status}", r.core, r.chain, r.reason)
            for r in conn.execute(wl_stmt)
        )
        blacklist = _blacklist(conn, first, last, chains)
        v = t.voucher.c
        issued = conn.execute(
            select(func.count(), func.coalesce(func.sum(v.face_fen), 0)).where(
                v.issue_on >= first, v.issue_on <= last, v.status.in_(("active", "settled", "overdue"))
            )
        ).one()
        fin, bank, app = t.financing, t.party.alias("fb"), t.party.alias("fa")
        fstmt = (
            select(
                fin.c.id,
                fin.c.financing_on,
                fin.c.principal_fen,
                fin.c.status,
                fin.c.maturity_on,
                _name(bank).label("bank"),
                _name(app).label("applicant"),
            )
            .select_from(fin.join(bank, bank.c.id == fin.c.bank_id).join(app, app.c.id == fin.c.applicant_id))
            .order_by(fin.c.financing_on, fin.c.id)
        )
        done = and_(fin.c.status.in_(fg.DISBURSED), fin.c.financing_on <= last)
        financings = tuple(_line(r) for r in conn.execute(fstmt.where(done, fin.c.financing_on >= first)))
        late = tuple(
            _line(r) for r in conn.execute(fstmt.where(done, fin.c.status == "overdue", fin.c.maturity_on <= last))
        )
        cp = t.party.alias("vc")
        overdue_v = tuple(
            (r.number, r.core, r.maturity_on, int(r.face_fen))
            for r in conn.execute(
                select(v.number, _name(cp).label("core"), v.maturity_on, v.face_fen)
                .select_from(t.voucher.join(cp, cp.c.id == v.core_id))
                .where(v.status == "overdue", v.maturity_on <= last, v.issue_on <= last)
                .order_by(v.maturity_on, v.number)
            )
        )
    fin_fig, credit_fig, core_fig = (
        board.figure(k) for k in (Target.KEY_CHAIN_FINANCING, Target.YEARLY_CREDIT, Target.CORE_ENTERPRISES)
    )

    def part(fig: queries.TargetFigure, cid: str) -> queries.Slice:
        return next((s for s in fig.by_chain if s.id == cid), queries.Slice(cid, "", 0, 0, 0))

    rows = tuple(
        ChainRow(
            c.id,
            c.name,
            bool(c.value),
            int(members.get(c.id, 0)),
            part(core_fig, c.id).value,
            part(fin_fig, c.id).value,
            part(credit_fig, c.id).value,
            part(fin_fig, c.id).reported,
        )
        for c in board.chains
    )
    return MonthlyReport(
        month, last, board, rows, whitelist, blacklist, (int(issued[0]), int(issued[1])), financings, overdue_v, late
    )


def _beijing_day(at: dt.datetime) -> dt.date:
    from lianrong.kernel.calendar import BEIJING

    return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).astimezone(BEIJING).date()


def _line(r: Any) -> FinancingLine:
    return FinancingLine(r.id, r.financing_on, r.bank, r.applicant, int(r.principal_fen), r.status, r.maturity_on)


def _blacklist(conn: Any, first: dt.date, last: dt.date, chains: frozenset[str] | None) -> tuple[Change, ...]:
    b, p = pt.blacklist_entry, t.party.alias("bp")
    stmt = (
        select(
            b.c.listed_on,
            b.c.removed_on,
            b.c.subject,
            b.c.principal_name,
            b.c.severity,
            b.c.reason,
            b.c.removed_reason,
            _name(p).label("party"),
        )
        .select_from(b.outerjoin(p, p.c.id == b.c.party_id))
        .where(
            or_(
                and_(b.c.listed_on >= first, b.c.listed_on <= last),
                and_(b.c.removed_on >= first, b.c.removed_on <= last),
            )
        )
        .order_by(b.c.listed_on, b.c.id)
    )
    if chains is not None:
        stmt = stmt.where(
            b.c.party_id.in_(select(pt.chain_member.c.party_id).where(pt.chain_member.c.chain_id.in_(sorted(chains))))
        )
    out: list[Change] = []
    for r in conn.execute(stmt):
        subject = r.party or ""
        if r.subject == "principal":  # a person: the name only, never the identity number
            subject = f"{r.principal_name or ''}（{subject}）" if subject else (r.principal_name or "")
        if first <= r.listed_on <= last:
            out.append(Change(r.listed_on, f"listed ({r.severity})", subject, "", r.reason))
        if r.removed_on and first <= r.removed_on <= last:
            out.append(Change(r.removed_on, "removed", subject, "", r.removed_reason or ""))
    return tuple(sorted(out, key=lambda c: (c.day, c.what, c.subject)))


def workbook_bytes(data: MonthlyReport) -> bytes:
    """The report as an Excel workbook (several sheets; the same month gives the same cell values)."""
    wb = xl.new_workbook()
    C = xl.Col
    targets = [
        (
            LABELS[f.key][0],
            LABELS[f.key][1],
            f.unit,
            f.target,
            f.ledger,
            f.reported,
            f.value,
            round(f.progress * 100, 2),
            f.projection.projected,
            f.deadline,
            "是 yes" if f.projection.on_track else "否 no",
        )
        for f in data.dashboard.targets
    ]
    xl.add_sheet(
        wb,
        "目标 Targets",
        [
            C("name", "目标", "Target"),
            C("en", "目标（英文）", "Target (en)"),
            C("unit", "单位", "Unit"),
            C("goal", "目标值", "Goal", "int"),
            C("ledger", "平台数据", "From the ledger", "int"),
            C("reported", "银行报送", "Reported by banks", "int"),
            C("value", "合计", "Total", "int"),
            C("pct", "完成率%", "Progress %", "text"),
            C("proj", "按趋势预计", "Projected", "int"),
            C("by", "期限", "Deadline", "date"),
            C("ok", "按期可达", "On track"),
        ],
        [(*r[:7], f"{r[7]:.2f}", *r[8:]) for r in targets],
        first=True,
    )
    board = data.dashboard
    xl.add_sheet(
        wb,
        "趋势 Trend",
        [
            C("month", "月份", "Month"),
            *(C(f.key.value, LABELS[f.key][0], LABELS[f.key][1], "int") for f in board.targets),
        ],
        [(p.month, *(f.trend[i].value for f in board.targets)) for i, p in enumerate(board.targets[0].trend)],
    )
    xl.add_sheet(
        wb,
        "产业链 Chains",
        [
            C("name", "产业链", "Chain"),
            C("key", "重点", "Key chain"),
            C("members", "成员企业", "Members", "int"),
            C("cores", "白名单核心企业", "Listed cores", "int"),
            C("fin", "累计融资（元）", "Financing, cumulative", "yuan"),
            C("rep", "其中银行报送（元）", "of it reported", "yuan"),
            C("credit", "本年授信（元）", "Credit this year", "yuan"),
        ],
        [
            (
                r.name,
                "是 yes" if r.key_chain else "否 no",
                r.members,
                r.cores_listed,
                r.financing_fen,
                r.reported_financing_fen,
                r.credit_fen,
            )
            for r in data.chains
        ],
    )
    change_cols = [
        C("day", "日期", "Date", "date"),
        C("what", "变动", "Change"),
        C("subject", "对象", "Subject"),
        C("chain", "产业链", "Chain"),
        C("reason", "理由", "Reason"),
    ]
    xl.add_sheet(
        wb,
        "白名单变动 White list",
        change_cols,
        [(c.day, c.what, c.subject, c.chain, c.reason) for c in data.whitelist],
    )
    xl.add_sheet(
        wb,
        "黑名单变动 Black list",
        change_cols,
        [(c.day, c.what, c.subject, c.chain, c.reason) for c in data.blacklist],
    )
    fin_cols = [
        C("id", "编号", "Id"),
        C("day", "放款日", "Disbursed on", "date"),
        C("bank", "银行", "Bank"),
        C("applicant", "融资企业", "Applicant"),
        C("principal", "本金（元）", "Principal", "yuan"),
        C("status", "状态", "Status"),
        C("maturity", "到期日", "Maturity", "date"),
    ]
    n, face = data.vouchers_issued
    xl.add_sheet(
        wb,
        "凭据与融资 Vouchers",
        [C("what", "项目", "Item"), C("count", "笔数", "Count", "int"), C("amount", "金额（元）", "Amount", "yuan")],
        [
            ("本月签发凭据 Vouchers issued", n, face),
            ("本月放款融资 Financings disbursed", len(data.financings), sum(f.principal_fen for f in data.financings)),
        ],
    )
    line = [(f.id, f.day, f.bank, f.applicant, f.principal_fen, f.status, f.maturity_on) for f in data.financings]
    xl.add_sheet(wb, "本月融资 Financings", fin_cols, line)
    xl.add_sheet(
        wb,
        "逾期 Overdue",
        [
            C("kind", "类别", "Kind"),
            C("ref", "编号", "Number"),
            C("who", "企业/银行", "Party"),
            C("maturity", "到期日", "Maturity", "date"),
            C("amount", "金额（元）", "Amount", "yuan"),
        ],
        [("凭据 voucher", num, core, mat, amt) for num, core, mat, amt in data.overdue_vouchers]
        + [
            ("融资 financing", f.id, f"{f.bank} / {f.applicant}", f.maturity_on, f.principal_fen)
            for f in data.overdue_financings
        ],
    )
    xl.add_about(
        wb,
        [
            ("月份", "Month", data.month),
            ("数据截至", "As of", data.as_of.isoformat()),
            ("口径", "Definitions", (queries.__doc__ or "").strip()),
            ("说明", "Note", (__doc__ or "").strip()),
        ],
    )
    wb.properties.created = wb.properties.modified = dt.datetime.combine(data.as_of, dt.time())
    return xl.save(wb)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(ctx: Context, *, viewer: Actor, month: str, fmt: str) -> tuple[bytes, str]:
    """The month's report as ``xlsx`` or ``pdf`` bytes with its media type."""
    data = report(ctx, viewer=viewer, month=month)
    if fmt == "pdf":
        from lianrong.programme.targets import pdf

        return pdf.pdf_bytes(data), "application/pdf"
    return workbook_bytes(data), XLSX


def report_template(ctx: Context, *, viewer: Actor, month: str | None = None) -> bytes:
    """The banks' report workbook to fill in (a bank, or an office that helps one); an enterprise: 404."""
    from lianrong.programme.targets import workbook

    with ctx.uow(readonly=True) as uow:
        report_queries.report_filter(uow, viewer)
        c = pt.chain.c
        rows = uow.conn.execute(
            select(c.id, c.code, c.name, c.key_chain).where(c.active.is_(True)).order_by(c.position, c.code)
        ).all()
    month = parse_month(month) if month else shift_month(month_of(ctx.clock.today()), -1)
    return workbook.template([(r.id, r.code, r.name, bool(r.key_chain)) for r in rows], month=month)
