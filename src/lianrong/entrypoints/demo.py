"""Demo data: the Pinggu egg-chicken chain of the seed document, driven through the real services.

峪口禽业 is designated a core enterprise at ICBC Pinggu; feed, vaccine, packaging and transport
suppliers hold, split and transfer its vouchers over three tiers; some parts are financed; one voucher
settles at maturity, and another core enterprise's voucher goes overdue. Every step carries a fixed
idempotency key, so running the demo twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import func, select

from lianrong.accounts import service as accounts
from lianrong.adapters.db import tables as t
from lianrong.adapters.payments import SimulatedBank
from lianrong.credit import service as credit
from lianrong.documents import attachments as attachments
from lianrong.documents import service as documents
from lianrong.financing import service as financing
from lianrong.kernel.identifiers import make_uscc
from lianrong.parties import designations
from lianrong.parties import service as parties
from lianrong.platform.context import SYSTEM, Actor, Context, FixedClock
from lianrong.programme.blacklist import demo as blacklist_demo
from lianrong.programme.chains import demo as chains_demo
from lianrong.programme.targets import demo as targets_demo
from lianrong.programme.whitelist import demo as whitelist_demo
from lianrong.settlement import payments
from lianrong.settlement import service as settlement
from lianrong.vouchers import issuance as issuance
from lianrong.vouchers import service as vouchers

D = dt.date

BANK = ("911100008016801289", "中国工商银行股份有限公司北京平谷支行", "工行平谷支行")
CORE = ("9111011710276549X1", "北京市华都峪口禽业有限责任公司", "峪口禽业")
DISTRICT = ("11110117000000001", "北京市平谷区人民政府金融工作办公室", "平谷区金融办")
CHAIN_OFFICE = ("11110117000000002", "平谷区蛋鸡鸡蛋产业链链办", "蛋鸡产业链链办")
#: every demo user's password (the console's login page says so; a demo is not a deployment)
DEMO_PASSWORD = "lianrong2026"
CORE2 = ("91110117MA01LWYD21", "北京绿源蛋品加工有限公司", "绿源蛋品")
SUPPLIERS = {
    # key: (USCC body (17 chars; the check digit is computed), name, short name)
    "feed": ("91110117MA01FEED0", "北京谷丰饲料有限公司", "谷丰饲料"),
    "vaccine": ("91110117MA01WACC0", "北京华信生物疫苗有限公司", "华信疫苗"),
    "pack": ("91110117MA01PACK0", "北京平谷蛋品包装材料有限公司", "蛋品包装"),
    "cold": ("91110117MA01CLDL0", "北京平谷冷链物流有限公司", "冷链物流"),
    "corn": ("93110117MA01CQRN0", "平谷区金穗玉米种植专业合作社", "金穗合作社"),
    "soy": ("91110117MA01DPYM0", "北京丰润豆粕贸易有限公司", "丰润豆粕"),
    "agri": ("91110117MA01AGRL0", "北京绿野农资有限公司", "绿野农资"),
    "reagent": ("91110117MA01REAG0", "北京博瑞生物试剂有限公司", "博瑞试剂"),
    "carton": ("91110117MA01CRTN0", "北京华彩纸箱制品有限公司", "华彩纸箱"),
    "pulp": ("91110117MA01PULP0", "河北兴隆纸浆有限公司", "兴隆纸浆"),
}


def _uscc(body_or_code: str) -> str:
    return make_uscc(body_or_code[:17])


@dataclass
class _Demo:
    ctx: Context
    clock: FixedClock
    echo: Callable[[str], Any] | None
    ids: dict[str, str] = field(default_factory=dict)
    step: int = 0

    def key(self, name: str) -> str:
        return f"demo:v1:{name}"

    def at(self, day: dt.date) -> None:
        self.clock.day = day

    def say(self, text: str) -> None:
        if self.echo:
            self.echo(text)


def seed(ctx: Context, *, echo: Callable[[str], Any] | None = None) -> dict[str, Any]:
    """Seed (or replay) the demo; returns the ids of what it made and a short summary."""
    clock = FixedClock(D(2026, 5, 20))
    real_clock, real_payments = ctx.clock, ctx.payments
    # the demo's banks are simulated whatever the deployment's payments adapter: its story needs the
    # core enterprise's payments confirmed on the maturity date, not waiting for a bank's file
    ctx.clock, ctx.payments = clock, SimulatedBank()
    try:
        d = _Demo(ctx, clock, echo)
        _parties(d)
        # the programme's 15 chains first: the egg chain (code ``egg``, the demo's chain office, its enterprises
        # as members) is the one the white list proposes the core enterprises on
        d.say("产业链 Seeding the programme's chains …")
        d.ids.update({f"chain:{c}": i for c, i in chains_demo.seed(ctx, today=clock.day)["chains"].items()})
        # the core enterprises are on the white list before they issue (cfg: issuing requires it)
        d.ids.update(whitelist_demo.list_cores(ctx))
        _vouchers(d)
        d.say("链长制 Seeding the white list, the black list and the targets …")
        d.ids.update(whitelist_demo.seed(ctx, today=clock.day))
        # the black list's repair is endorsed by the egg chain's office (chain_op), reviewed by district_op
        d.ids.update({f"blacklist:{k}": v for k, v in blacklist_demo.seed(ctx, today=clock.day).items()})
        targets_demo.seed(ctx, today=clock.day)  # the banks' monthly reports on every chain (none twice)
        d.say("完成 Demo ready.")
    finally:
        ctx.clock, ctx.payments = real_clock, real_payments
    with ctx.uow(readonly=True) as uow:
        counts = {
            name: uow.conn.execute(select(func.count()).select_from(getattr(t, name))).scalar()
            for name in ("party", "voucher", "fragment", "financing")
        }
    return {"ids": d.ids, "counts": counts}


def _actor(ctx: Context, username: str) -> Actor:
    return parties.actor_for(ctx, username)


def _parties(d: _Demo) -> None:
    ctx, k = d.ctx, d.key
    d.at(D(2026, 5, 20))
    d.say("主体登记 Registering the Pinggu egg chain …")
    bank = parties.register_party(
        ctx, kind="bank", uscc=_uscc(BANK[0]), name=BANK[1], short_name=BANK[2], idempotency_key=k("bank")
    )
    d.ids["bank"] = bank.id
    for key, (code, name, short), kind in (
        ("district", DISTRICT, "district"),
        ("chain_office", CHAIN_OFFICE, "chain_office"),
    ):
        d.ids[key] = parties.register_party(
            ctx, kind=kind, uscc=_uscc(code), name=name, short_name=short, idempotency_key=k(f"party:{key}")
        ).id
    for key, (code, name, short) in {"core": CORE, "core2": CORE2, **SUPPLIERS}.items():
        p = parties.register_party(
            ctx, kind="enterprise", uscc=_uscc(code), name=name, short_name=short, idempotency_key=k(f"party:{key}")
        )
        d.ids[key] = p.id
    users = [
        ("icbc_op", "bank", "工行经办 王敏", "operator"),
        ("icbc_ap", "bank", "工行复核 李强", "approver"),
        ("yukou_op", "core", "峪口财务经办 张丽", "operator"),
        ("yukou_ap", "core", "峪口财务复核 赵刚", "approver"),
        ("lvyuan_op", "core2", "绿源经办 孙悦", "operator"),
        ("lvyuan_ap", "core2", "绿源复核 周平", "approver"),
    ]
    users += [
        ("district", "district", "区金融办 刘洋", "viewer"),
        ("chain", "chain_office", "链办 陈静", "viewer"),
        ("district_admin", "district", "区金融办管理员", "admin"),
        # the programme's maker–checker: the chain office proposes, the district office's approver decides
        ("chain_op", "chain_office", "链办经办 马骏", "operator"),
        ("district_ap", "district", "区金融办复核 吴芳", "approver"),
        # the black list's maker: the district office's operator records, its approver lists
        ("district_op", "district", "区金融办经办 郑宇", "operator"),
    ]
    users += [(f"{key}_op", key, f"{SUPPLIERS[key][2]}经办", "operator") for key in SUPPLIERS]
    users += [(f"{key}_ap", key, f"{SUPPLIERS[key][2]}复核", "approver") for key in SUPPLIERS]
    demo_hash = accounts.hash_password(DEMO_PASSWORD)  # one hash for all: argon2 is slow on purpose
    for username, org, name, role in users:
        parties.add_user(
            ctx,
            party=d.ids[org],
            username=username,
            display_name=name,
            role=role,
            idempotency_key=k(f"user:{username}"),
        )
        accounts.set_initial_password_hash(ctx, username=username, password_hash=demo_hash)
    bank_op = _actor(ctx, "icbc_op")
    for i, key in enumerate(["core", "core2", *SUPPLIERS]):
        parties.onboard(
            ctx,
            actor=bank_op,
            bank=d.ids["bank"],
            party=d.ids[key],
            settlement_account=f"0200{2026 + i:04d}{i + 1:012d}",
            ebanking=True,
            certificate=f"UKEY-ICBC-{i + 1:06d}",
            idempotency_key=k(f"onboard:{key}"),
        )
    designations.set_lpr(
        ctx,
        actor=bank_op,
        bank=d.ids["bank"],
        effective_on=D(2026, 5, 20),
        rate="3.00%",
        idempotency_key=k("lpr:2026-05"),
    )
    for core in ("core", "core2"):
        designations.designate_core(
            ctx,
            actor=bank_op,
            bank=d.ids["bank"],
            core=d.ids[core],
            max_ratio="1",
            max_term_days=366,
            min_split_fen=1_000_00,
            max_tier=6,
            spread="0.0050",
            idempotency_key=k(f"designate:{core}"),
        )
    designations.import_ledger(
        ctx,
        actor=bank_op,
        bank=d.ids["bank"],
        core=d.ids["core"],
        suppliers=[
            {"supplier": d.ids["feed"], "max_ratio": "0.9"},
            {"supplier": d.ids["vaccine"]},
            {"supplier": d.ids["pack"]},
            {"supplier": d.ids["cold"]},
            {"supplier": d.ids["corn"]},
            {"supplier": d.ids["soy"]},
            {"supplier": d.ids["agri"]},
            {"supplier": d.ids["reagent"]},
            {"supplier": d.ids["carton"], "spread": "0.0060"},
            {"supplier": d.ids["pulp"]},
        ],
        idempotency_key=k("ledger:core"),
    )
    designations.import_ledger(
        ctx,
        actor=bank_op,
        bank=d.ids["bank"],
        core=d.ids["core2"],
        suppliers=[{"supplier": d.ids["cold"]}],
        idempotency_key=k("ledger:core2"),
    )
    credit.grant_line(
        ctx,
        actor=bank_op,
        bank=d.ids["bank"],
        core=d.ids["core"],
        limit_fen=50_000_000_00,
        valid_from=D(2026, 5, 20),
        valid_to=D(2027, 5, 19),
        idempotency_key=k("line:core"),
    )
    credit.grant_line(
        ctx,
        actor=bank_op,
        bank=d.ids["bank"],
        core=d.ids["core2"],
        limit_fen=2_000_000_00,
        valid_from=D(2026, 5, 20),
        valid_to=D(2027, 5, 19),
        idempotency_key=k("line:core2"),
    )
    payments.fund(ctx, party=d.ids["core"], amount_fen=2_000_000_00, idempotency_key=k("fund:core"))
    payments.fund(ctx, party=d.ids["core2"], amount_fen=50_000_00, idempotency_key=k("fund:core2"))


def _scan(title: str) -> bytes:
    """A one-page PDF standing for a scanned trade document (the demo's contracts carry one each)."""
    text = title.encode("ascii", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 18 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += str(n).encode() + b" 0 obj\n" + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 " + str(len(objects) + 1).encode() + b"\n0000000000 65535 f \n"
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += b"trailer\n<< /Size " + str(len(objects) + 1).encode() + b" /Root 1 0 R >>\nstartxref\n"
    out += str(xref).encode() + b"\n%%EOF\n"
    return bytes(out)


def _trade(
    d: _Demo,
    name: str,
    buyer: str,
    seller: str,
    amount: int,
    signed: dt.date,
    due: dt.date,
    invoice_no: str | None = None,
) -> tuple[str, str | None]:
    ctx, k = d.ctx, d.key
    scan = attachments.upload(
        ctx,
        actor=SYSTEM,
        content=_scan(f"Contract {name} (demo scan)"),
        filename=f"{name}.pdf",
        idempotency_key=k(f"scan:{name}"),
    ).sha256
    c = documents.add_contract(
        ctx,
        actor=SYSTEM,
        buyer=d.ids[buyer],
        seller=d.ids[seller],
        number=name,
        amount_fen=amount,
        signed_on=signed,
        due_on=due,
        non_cash_agreed=True,
        attachments=[scan],
        idempotency_key=k(f"contract:{name}"),
    )
    inv = None
    if invoice_no:
        inv = documents.add_invoice(
            ctx,
            actor=SYSTEM,
            contract_id=c.id,
            number=invoice_no,
            amount_fen=amount,
            issued_on=signed + dt.timedelta(days=3),
            idempotency_key=k(f"invoice:{name}"),
        ).id
    return c.id, inv


def _issue(
    d: _Demo,
    name: str,
    core: str,
    supplier: str,
    contract: str,
    invoice: str,
    amount: int,
    maturity: dt.date,
    op: str,
    ap: str,
) -> dict[str, Any]:
    ctx, k = d.ctx, d.key
    v = issuance.prepare(
        ctx,
        actor=_actor(ctx, op),
        bank=d.ids["bank"],
        supplier=d.ids[supplier],
        contract_id=contract,
        invoices=[{"invoice_id": invoice, "amount_fen": amount}],
        amount_fen=amount,
        maturity_on=maturity,
        idempotency_key=k(f"prepare:{name}"),
    )
    d.ids[f"voucher:{name}"] = v.id
    if ap:
        issued = issuance.approve(ctx, actor=_actor(ctx, ap), voucher_id=v.id, idempotency_key=k(f"approve:{name}"))
        d.ids[f"root:{name}"] = issued.root_fragment_id
        return asdict(issued)
    return asdict(v)


def _move(d: _Demo, name: str, user: str, fragment: str, parts: list[tuple[str, int]]) -> dict[str, str]:
    r = vouchers.transfer(
        d.ctx,
        actor=_actor(d.ctx, user),
        fragment_id=fragment,
        parts=[{"recipient": d.ids[who], "amount_fen": amt} for who, amt in parts],
        idempotency_key=d.key(f"transfer:{name}"),
    )
    inv = {v: k for k, v in d.ids.items() if not k.startswith(("voucher", "root", "frag"))}
    return {inv.get(c.holder_id, c.holder_id): c.id for c in r.children}


def _finance(
    d: _Demo, name: str, user: str, fragments: list[str], principal: int | None = None, disburse: bool = True
) -> str:
    ctx, k = d.ctx, d.key
    f = financing.apply(
        ctx,
        actor=_actor(ctx, user),
        fragment_ids=fragments,
        principal_fen=principal,
        idempotency_key=k(f"finance:{name}"),
    )
    d.ids[f"financing:{name}"] = f.id
    if disburse:
        ap = _actor(ctx, "icbc_ap")
        financing.review(
            ctx,
            actor=ap,
            financing_id=f.id,
            approve=True,
            checklist={"contract": True, "invoices": True, "documents": True},
            registration_no=f"ZDW{d.clock.day:%Y%m%d}{zlib.crc32(name.encode()) % 10**8:08d}",
            idempotency_key=k(f"review:{name}"),
        )
        financing.disburse(ctx, actor=ap, financing_id=f.id, idempotency_key=k(f"disburse:{name}"))
    return f.id


def _vouchers(d: _Demo) -> None:
    # V1: feed, split over three tiers, financed twice, settled at maturity (with a surplus refund)
    d.at(D(2026, 6, 1))
    d.say("签发凭据 Issuing vouchers …")
    c1, i1 = _trade(
        d, "YK-CG-2026-0601", "core", "feed", 1_000_000_00, D(2026, 5, 25), D(2026, 10, 31), "26112000000000601001"
    )
    _trade(d, "GF-CG-2026-0605", "feed", "corn", 600_000_00, D(2026, 6, 5), D(2026, 10, 31))
    _trade(d, "GF-CG-2026-0606", "feed", "soy", 300_000_00, D(2026, 6, 5), D(2026, 10, 31))
    _trade(d, "JS-CG-2026-0615", "corn", "agri", 200_000_00, D(2026, 6, 15), D(2026, 10, 31))
    v1 = _issue(d, "V1", "core", "feed", c1, i1, 1_000_000_00, D(2026, 10, 1), "yukou_op", "yukou_ap")
    d.at(D(2026, 6, 10))
    s1 = _move(d, "V1-a", "feed_op", v1["root_fragment_id"], [("corn", 400_000_00), ("soy", 200_000_00)])
    d.at(D(2026, 6, 20))
    s2 = _move(d, "V1-b", "corn_op", s1["corn"], [("agri", 150_000_00)])
    d.ids["frag:V1-agri"] = s2["agri"]
    d.at(D(2026, 7, 1))
    _finance(d, "V1-corn", "corn_op", [s2["corn"]])
    d.at(D(2026, 7, 6))
    _finance(d, "V1-feed", "feed_op", [s1["feed"]])  # 90% ratio: surplus refunded at maturity

    # V5: another core enterprise, unpaid at maturity → overdue, issuer defaulted
    d.at(D(2026, 7, 1))
    c5, i5 = _trade(
        d, "LY-WL-2026-0701", "core2", "cold", 150_000_00, D(2026, 6, 28), D(2026, 10, 31), "26112000000000701005"
    )
    _issue(d, "V5", "core2", "cold", c5, i5, 150_000_00, D(2026, 10, 12), "lvyuan_op", "lvyuan_ap")

    # V2: vaccine, transferred to tier 2, matures in 2027 (weekends-only calendar, flagged unofficial)
    d.at(D(2026, 9, 15))
    c2, i2 = _trade(
        d, "YK-CG-2026-0915", "core", "vaccine", 500_000_00, D(2026, 9, 10), D(2027, 1, 31), "26112000000000915002"
    )
    _trade(d, "HX-CG-2026-0918", "vaccine", "reagent", 250_000_00, D(2026, 9, 18), D(2027, 1, 31))
    v2 = _issue(d, "V2", "core", "vaccine", c2, i2, 500_000_00, D(2027, 1, 15), "yukou_op", "yukou_ap")
    d.at(D(2026, 9, 20))
    _move(d, "V2-a", "vaccine_op", v2["root_fragment_id"], [("reagent", 200_000_00)])

    # settle what matured: V1 on 2026-10-08 (rolled past the National Day holiday), V5 on 2026-10-12
    for day in (D(2026, 10, 8), D(2026, 10, 12)):
        d.at(day)
        d.say(f"到期兑付 Settling {day} …")
        settlement.settle(d.ctx, on=day)

    # V3: packaging → carton (tier 2) → pulp (tier 3); carton's financing waits for the bank's review
    d.at(D(2026, 11, 2))
    c3, i3 = _trade(
        d, "YK-CG-2026-1102", "core", "pack", 300_000_00, D(2026, 10, 28), D(2027, 3, 31), "26112000000001102003"
    )
    _trade(d, "BZ-CG-2026-1105", "pack", "carton", 200_000_00, D(2026, 11, 5), D(2027, 3, 31))
    _trade(d, "HC-CG-2026-1110", "carton", "pulp", 100_000_00, D(2026, 11, 10), D(2027, 3, 31))
    v3 = _issue(d, "V3", "core", "pack", c3, i3, 300_000_00, D(2027, 3, 2), "yukou_op", "yukou_ap")
    d.at(D(2026, 11, 6))
    s3 = _move(d, "V3-a", "pack_op", v3["root_fragment_id"], [("carton", 150_000_00)])
    d.at(D(2026, 11, 12))
    s4 = _move(d, "V3-b", "carton_op", s3["carton"], [("pulp", 50_000_00)])
    d.at(D(2026, 11, 20))
    _finance(d, "V3-carton", "carton_op", [s4["carton"]], disburse=False)

    # V4: cold-chain transport, prepared and waiting for the core enterprise's approver
    c4, i4 = _trade(
        d, "YK-WL-2026-1120", "core", "cold", 200_000_00, D(2026, 11, 18), D(2027, 2, 28), "26112000000001120004"
    )
    _issue(d, "V4", "core", "cold", c4, i4, 200_000_00, D(2027, 2, 26), "yukou_op", "")


__all__ = ["seed", "SYSTEM"]
