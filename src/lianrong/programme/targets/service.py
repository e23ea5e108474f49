"""Banks' monthly reports (one row per bank, month and chain): submit, amend, withdraw, import a workbook.

Only a bank's operator or approver reports, for its own bank (the system may report for any bank: the demo and
jobs). A month that has not begun is refused; the figures are whole fen (credit granted, financing outside
the voucher engine) and a count of products. A workbook is all or nothing: every row checked first, every
problem listed by row and column, and then every row recorded in one unit of work — a row for a month and chain
the bank already reported replaces that report (a corrected file is uploaded again).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update

from lianrong.adapters.db import programme_tables as pt
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.kernel import errors
from lianrong.kernel.ids import new_id
from lianrong.platform import scope
from lianrong.platform.common import check_actor_party, check_actor_role, resolve_party
from lianrong.platform.context import Actor, Context
from lianrong.platform.results import run_typed
from lianrong.programme.targets import errors as target_errors
from lianrong.programme.targets import workbook
from lianrong.programme.targets.model import check_report_figures, check_report_month

ONLY_BANKS = "only a bank reports its own figures / 仅银行可报送本行数据"


@dataclass(frozen=True, slots=True)
class SubmittedReport:
    """A bank's report of a month and chain as recorded."""

    id: str
    bank_id: str
    month: str
    chain_id: str
    credit_granted_fen: int
    financing_fen: int
    products: int
    note: str
    submitted_at: dt.datetime


@dataclass(frozen=True, slots=True)
class WithdrawnReport:
    id: str
    bank_id: str
    month: str
    chain_id: str


@dataclass(frozen=True, slots=True)
class ReportImport:
    """A workbook recorded: how many rows, of which new and replacing an earlier report."""

    bank_id: str
    rows: int
    created: int
    replaced: int
    months: tuple[str, ...]


def _check_bank_actor(ctx: Context, actor: Actor) -> None:
    check_actor_role(actor, "operator", "approver")
    scope.check_may_act(ctx, actor, "bank", what=ONLY_BANKS)


def _chain(uow: UnitOfWork, chain: str) -> str:
    row = uow.conn.execute(
        select(pt.chain.c.id, pt.chain.c.active, pt.chain.c.name).where(
            (pt.chain.c.id == chain) | (pt.chain.c.code == chain)
        )
    ).first()
    if row is None:
        raise errors.NotFound("chain", chain)
    if not row.active:
        raise target_errors.ChainNotReportable(chain=row.name)
    return str(row.id)


def submit_report(
    ctx: Context,
    *,
    actor: Actor,
    bank: str | None = None,
    month: str,
    chain: str,
    credit_granted_fen: int,
    financing_fen: int,
    products: int = 0,
    note: str = "",
    idempotency_key: str,
) -> SubmittedReport:
    """A bank reports a month and chain (refused if it did already: amend that report instead)."""
    _check_bank_actor(ctx, actor)
    month = check_report_month(month, today=ctx.clock.today())
    check_report_figures(credit_granted_fen=credit_granted_fen, financing_fen=financing_fen, products=products)

    def body(uow: UnitOfWork) -> SubmittedReport:
        b = resolve_party(uow, bank or actor.party_id, kind="bank")
        check_actor_party(actor, b.id, what=ONLY_BANKS)
        chain_id = _chain(uow, chain)
        br = pt.bank_report.c
        if uow.conn.execute(
            select(br.id).where(br.bank_id == b.id, br.month == month, br.chain_id == chain_id)
        ).first():
            raise errors.AlreadyExists(entity="bank_report", key=f"{month} {chain}")
        rid, now = new_id("bkr"), ctx.clock.now()
        values = {
            "id": rid,
            "bank_id": b.id,
            "month": month,
            "chain_id": chain_id,
            "credit_granted_fen": credit_granted_fen,
            "financing_fen": financing_fen,
            "products": products,
            "note": note,
            "submitted_by": None if actor.role == "system" else actor.user_id,
            "submitted_at": now,
        }
        uow.conn.execute(insert(pt.bank_report).values(**values))
        return SubmittedReport(rid, b.id, month, chain_id, credit_granted_fen, financing_fen, products, note, now)

    return run_typed(
        ctx,
        SubmittedReport,
        key=idempotency_key,
        operation="targets.report",
        request={
            "b": bank,
            "m": month,
            "c": chain,
            "cr": credit_granted_fen,
            "f": financing_fen,
            "p": products,
            "n": note,
        },
        body=body,
    )


def _own_report(uow: UnitOfWork, actor: Actor, report_id: str) -> object:
    row = uow.conn.execute(select(pt.bank_report).where(pt.bank_report.c.id == report_id)).first()
    if row is None or (actor.role != "system" and row.bank_id != actor.party_id):
        raise errors.NotFound("bank_report", report_id)  # another bank's report is not found, not forbidden
    return row


def amend_report(
    ctx: Context,
    *,
    actor: Actor,
    report_id: str,
    credit_granted_fen: int,
    financing_fen: int,
    products: int = 0,
    note: str = "",
    idempotency_key: str,
) -> SubmittedReport:
    """The bank corrects its report's figures."""
    _check_bank_actor(ctx, actor)
    check_report_figures(credit_granted_fen=credit_granted_fen, financing_fen=financing_fen, products=products)

    def body(uow: UnitOfWork) -> SubmittedReport:
        row = _own_report(uow, actor, report_id)
        now = ctx.clock.now()
        uow.conn.execute(
            update(pt.bank_report)
            .where(pt.bank_report.c.id == report_id)
            .values(
                credit_granted_fen=credit_granted_fen,
                financing_fen=financing_fen,
                products=products,
                note=note,
                submitted_by=None if actor.role == "system" else actor.user_id,
                submitted_at=now,
            )
        )
        return SubmittedReport(
            report_id,
            row.bank_id,
            row.month,
            row.chain_id,
            credit_granted_fen,
            financing_fen,
            products,
            note,
            now,  # type: ignore[attr-defined]
        )

    return run_typed(
        ctx,
        SubmittedReport,
        key=idempotency_key,
        operation="targets.amend",
        request={"r": report_id, "cr": credit_granted_fen, "f": financing_fen, "p": products, "n": note},
        body=body,
    )


def withdraw_report(ctx: Context, *, actor: Actor, report_id: str, idempotency_key: str) -> WithdrawnReport:
    """The bank withdraws a report made in error (its month and chain then count nothing reported)."""
    _check_bank_actor(ctx, actor)

    def body(uow: UnitOfWork) -> WithdrawnReport:
        row = _own_report(uow, actor, report_id)
        uow.conn.execute(delete(pt.bank_report).where(pt.bank_report.c.id == report_id))
        return WithdrawnReport(report_id, row.bank_id, row.month, row.chain_id)  # type: ignore[attr-defined]

    return run_typed(
        ctx, WithdrawnReport, key=idempotency_key, operation="targets.withdraw", request={"r": report_id}, body=body
    )


def chain_lookup(uow: UnitOfWork) -> dict[str, str]:
    """Every active chain's id, code and name (normalised as a header is) → its id: what a workbook may name."""
    from lianrong.adapters.spreadsheet import norm_header

    out: dict[str, str] = {}
    for r in uow.conn.execute(
        select(pt.chain.c.id, pt.chain.c.code, pt.chain.c.name).where(pt.chain.c.active.is_(True))
    ):
        for name in (r.id, r.code, r.name):
            out[norm_header(name)] = r.id
    return out


def import_reports(
    ctx: Context, *, actor: Actor, bank: str | None = None, content: bytes, idempotency_key: str
) -> ReportImport:
    """Record a bank's report workbook: every row or none (``excel.import_invalid`` lists the problems)."""
    _check_bank_actor(ctx, actor)
    today = ctx.clock.today()

    def body(uow: UnitOfWork) -> ReportImport:
        b = resolve_party(uow, bank or actor.party_id, kind="bank")
        check_actor_party(actor, b.id, what=ONLY_BANKS)
        rows = workbook.parse(content, chains=chain_lookup(uow), today=today)
        br = pt.bank_report.c
        existing = {
            (r.month, r.chain_id): r.id
            for r in uow.conn.execute(
                select(br.id, br.month, br.chain_id).where(
                    br.bank_id == b.id, br.month.in_(sorted({x.month for x in rows}))
                )
            )
        }
        now = ctx.clock.now()
        created = replaced = 0
        for x in rows:
            values = {
                "credit_granted_fen": x.credit_granted_fen,
                "financing_fen": x.financing_fen,
                "products": x.products,
                "note": x.note,
                "submitted_by": None if actor.role == "system" else actor.user_id,
                "submitted_at": now,
            }
            old = existing.get((x.month, x.chain_id))
            if old:
                uow.conn.execute(update(pt.bank_report).where(br.id == old).values(**values))
                replaced += 1
            else:
                uow.conn.execute(
                    insert(pt.bank_report).values(
                        id=new_id("bkr"), bank_id=b.id, month=x.month, chain_id=x.chain_id, **values
                    )
                )
                created += 1
        return ReportImport(b.id, len(rows), created, replaced, tuple(sorted({x.month for x in rows})))

    return run_typed(
        ctx,
        ReportImport,
        key=idempotency_key,
        operation="targets.import",
        request={"b": bank, "sha256": hashlib.sha256(content).hexdigest()},
        body=body,
    )
