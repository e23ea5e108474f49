"""Test data: a small supply chain built through the real services.

``World`` makes one bank, one core enterprise and a line of suppliers ``s1 … sN`` where ``s1`` sells
to the core and ``s(k+1)`` sells to ``s(k)``; every party is onboarded, in the customer ledger, and
has a trade contract with its buyer. Helpers issue, transfer and finance with fresh idempotency keys.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert

from lianrong import bootstrap
from lianrong.adapters.db import tables as t
from lianrong.credit import service as credit
from lianrong.documents import attachments as attachments
from lianrong.documents import service as documents
from lianrong.financing import service as financing
from lianrong.kernel import errors
from lianrong.kernel.identifiers import make_uscc
from lianrong.parties import designations as designations
from lianrong.parties import service as parties
from lianrong.platform.context import SYSTEM, Actor, Context, FixedClock
from lianrong.settings import Settings
from lianrong.settlement import payments
from lianrong.vouchers import issuance as issuance
from lianrong.vouchers import service as vouchers

TODAY = dt.date(2026, 11, 26)
_counter = itertools.count(1)
#: World numbers, apart from the key counter: a long run makes hundreds of thousands of keys, and a World's
#: USCCs carry its number in seven digits
_worlds = itertools.count(1)


def uscc(n: int, prefix: str = "91110117MA") -> str:
    """A valid 统一社会信用代码 numbered ``n`` (below 10^7: seven digits of the code)."""
    if not 0 <= n < 10**7:
        raise ValueError(f"test USCC number {n} does not fit in seven digits")
    return make_uscc(f"{prefix}{n:07d}")


def key() -> str:
    """A fresh idempotency key."""
    return f"test-{next(_counter)}"


def make_context(url: str, *, today: dt.date = TODAY, **settings: Any) -> Context:
    """A migrated context on ``url`` with a fixed clock and optional settings overrides."""
    s = Settings(database_url=url, environment="test", **settings)
    return bootstrap.build(settings=s, clock=FixedClock(today))


@dataclass
class World:
    """A bank, a core enterprise ``core`` and suppliers ``s1..sN`` in a purchase chain."""

    ctx: Context
    n_suppliers: int = 4
    ids: dict[str, str] = field(default_factory=dict)
    contracts: dict[tuple[str, str], str] = field(default_factory=dict)
    credit_limit_fen: int = 10**12
    core_funds_fen: int = 10**12

    def __post_init__(self) -> None:
        base = next(_worlds) * 100
        ctx = self.ctx
        self.ids["bank"] = parties.register_party(
            ctx, kind="bank", uscc=uscc(base), name=f"测试银行{base}", idempotency_key=key()
        ).id
        names = ["core"] + [f"s{i}" for i in range(1, self.n_suppliers + 1)]
        for i, name in enumerate(names, start=1):
            self.ids[name] = parties.register_party(
                ctx, kind="enterprise", uscc=uscc(base + i), name=f"企业{name}-{base}", idempotency_key=key()
            ).id
        for role in ("operator", "approver"):
            for org in ("bank", *names):
                parties.add_user(
                    ctx,
                    party=self.ids[org],
                    username=f"{org}-{role}-{base}",
                    display_name=f"{org} {role}",
                    role=role,
                    idempotency_key=key(),
                )
        self.base = base
        bank_ap = self.user("bank", "approver")
        for name in names:
            parties.onboard(
                ctx,
                actor=bank_ap,
                bank=self.ids["bank"],
                party=self.ids[name],
                settlement_account=f"62220000{base:06d}{len(name)}",
                ebanking=True,
                certificate=f"UKEY-{name}",
                idempotency_key=key(),
            )
        designations.designate_core(
            ctx,
            actor=bank_ap,
            bank=self.ids["bank"],
            core=self.ids["core"],
            min_split_fen=1,
            max_tier=20,
            idempotency_key=key(),
        )
        designations.import_ledger(
            ctx,
            actor=bank_ap,
            bank=self.ids["bank"],
            core=self.ids["core"],
            suppliers=[{"supplier": self.ids[n]} for n in names[1:]],
            idempotency_key=key(),
        )
        designations.set_lpr(
            ctx,
            actor=bank_ap,
            bank=self.ids["bank"],
            effective_on=dt.date(2026, 1, 1),
            rate="3.00%",
            idempotency_key=key(),
        )
        credit.grant_line(
            ctx,
            actor=bank_ap,
            bank=self.ids["bank"],
            core=self.ids["core"],
            limit_fen=self.credit_limit_fen,
            valid_from=dt.date(2026, 1, 1),
            valid_to=dt.date(2028, 12, 31),
            idempotency_key=key(),
        )
        chain = names
        for buyer, seller in zip(chain, chain[1:], strict=False):
            self.contract(buyer, seller)
        payments.fund(ctx, party=self.ids["core"], amount_fen=self.core_funds_fen, idempotency_key=key())
        self.whitelist("core")

    def whitelist(self, org: str = "core") -> str:
        """Put the enterprise ``org`` on the core-enterprise white list (issuing needs it, cfg): a chain of its own
        and a listed entry with its first version, inserted directly; returns the entry's id."""
        pt = t.programme_tables
        now, today = self.ctx.clock.now(), self.ctx.clock.today()
        chain_id, entry_id = f"chn_wl{org}{self.base:08d}", f"wle_{org}{self.base:08d}"
        with self.ctx.uow() as uow:
            uow.conn.execute(
                insert(pt.chain).values(
                    id=chain_id,
                    code=f"wl-{org}{self.base}",
                    name=f"{org}链{self.base}",
                    name_en=org,
                    office_id=None,
                    key_chain=False,
                    description="",
                    position=0,
                    active=True,
                    created_at=now,
                    updated_at=now,
                )
            )
            uow.conn.execute(
                insert(pt.whitelist_entry).values(
                    id=entry_id,
                    core_id=self.ids[org],
                    chain_id=chain_id,
                    status="listed",
                    version=1,
                    listed_on=today,
                    valid_until=dt.date(today.year + 1, 12, 31),
                    proposed_by=None,
                    updated_at=now,
                )
            )
            uow.conn.execute(
                insert(pt.whitelist_event).values(
                    id=f"wlv_{org}{self.base:08d}",
                    entry_id=entry_id,
                    version=1,
                    action="approve",
                    status="listed",
                    criteria={"debt_ratio": 0.5, "compliant": True, "main_business": "测试"},
                    reason="",
                    actor_id=None,
                    at=now,
                )
            )
            uow.commit()
        return entry_id

    def record(self) -> dict[str, Any]:
        """What ``restore`` needs to give a copy of this World's database its World back."""
        return {
            "n_suppliers": self.n_suppliers,
            "ids": dict(self.ids),
            "contracts": dict(self.contracts),
            "credit_limit_fen": self.credit_limit_fen,
            "core_funds_fen": self.core_funds_fen,
            "base": self.base,
        }

    @classmethod
    def restore(cls, ctx: Context, record: dict[str, Any]) -> World:
        """The World recorded by ``record``, on ``ctx`` (a copy of its database), without building anything.

        The copy holds the recorded World's rows; the process's counters (keys, World numbers, contract and
        invoice numbers) have moved past them, so what is made on the copy does not collide with them."""
        world = cls.__new__(cls)
        world.ctx = ctx
        world.n_suppliers = record["n_suppliers"]
        world.ids = dict(record["ids"])
        world.contracts = dict(record["contracts"])
        world.credit_limit_fen = record["credit_limit_fen"]
        world.core_funds_fen = record["core_funds_fen"]
        world.base = record["base"]
        return world

    # --- actors and documents ---

    def user(self, org: str, role: str = "operator") -> Actor:
        """The operator or approver of an organisation."""
        return parties.actor_for(self.ctx, f"{org}-{role}-{self.base}")

    def contract(
        self, buyer: str, seller: str, *, amount_fen: int = 10**13, due: dt.date | None = None, non_cash: bool = True
    ) -> str:
        """A trade contract in which ``buyer`` buys from ``seller``, with the buyer's scan of it attached, and
        confirmed by the seller."""
        number = f"HT-{next(_counter)}"
        scan = attachments.upload(
            self.ctx,
            actor=self.user(buyer),
            content=b"%PDF-1.7\n% contract " + number.encode() + b"\n%%EOF\n",
            filename=f"{number}.pdf",
            idempotency_key=key(),
        ).sha256
        c = documents.add_contract(
            self.ctx,
            actor=self.user(buyer),
            buyer=self.ids[buyer],
            seller=self.ids[seller],
            number=number,
            amount_fen=amount_fen,
            signed_on=self.ctx.clock.today() - dt.timedelta(days=10),
            due_on=due or dt.date(2027, 12, 31),
            non_cash_agreed=non_cash,
            attachments=[scan],
            idempotency_key=key(),
        )
        try:  # the seller confirms; a party the test made without users is confirmed for by the system
            confirmer = self.user(seller)
        except errors.NotFound:
            confirmer = SYSTEM
        documents.confirm_contract(self.ctx, actor=confirmer, contract_id=c.id, idempotency_key=key())
        self.contracts[(buyer, seller)] = c.id
        return c.id

    def invoice(self, amount_fen: int, *, contract: str | None = None) -> str:
        """A 数电票 under the core→s1 contract (or another)."""
        n = next(_counter)
        return documents.add_invoice(
            self.ctx,
            actor=self.user("core"),
            contract_id=contract or self.contracts[("core", "s1")],
            number=f"2611{n:016d}",
            amount_fen=amount_fen,
            issued_on=self.ctx.clock.today() - dt.timedelta(days=5),
            idempotency_key=key(),
        ).id

    # --- engine steps ---

    def prepare(
        self,
        amount_fen: int,
        *,
        maturity: dt.date = dt.date(2027, 3, 15),
        invoice: str | None = None,
        reason: str | None = None,
    ) -> Any:
        """Prepare (not approve) a voucher from the core to s1."""
        inv = invoice or self.invoice(amount_fen)
        return issuance.prepare(
            self.ctx,
            actor=self.user("core"),
            bank=self.ids["bank"],
            supplier=self.ids["s1"],
            contract_id=self.contracts[("core", "s1")],
            invoices=[{"invoice_id": inv, "amount_fen": amount_fen}],
            amount_fen=amount_fen,
            maturity_on=maturity,
            long_term_reason=reason,
            idempotency_key=key(),
        )

    def issue(self, amount_fen: int, *, maturity: dt.date = dt.date(2027, 3, 15)) -> str:
        """Issue a voucher to s1; returns the root fragment id."""
        v = self.prepare(amount_fen, maturity=maturity)
        r = issuance.approve(self.ctx, actor=self.user("core", "approver"), voucher_id=v.id, idempotency_key=key())
        return r.root_fragment_id

    def transfer(self, fragment: str, sender: str, parts: list[tuple[str, int]]) -> vouchers.TransferResult:
        """Split ``fragment`` held by ``sender`` to recipients."""
        return vouchers.transfer(
            self.ctx,
            actor=self.user(sender),
            fragment_id=fragment,
            parts=[{"recipient": self.ids[r], "amount_fen": a} for r, a in parts],
            idempotency_key=key(),
        )

    def child(self, result: vouchers.TransferResult, holder: str) -> str:
        """The id of the child a transfer gave to ``holder``."""
        return next(c.id for c in result.children if c.holder_id == self.ids[holder])

    def finance(
        self, fragments: list[str], holder: str, *, principal_fen: int | None = None, disburse: bool = True
    ) -> financing.FinancingApplication | financing.Disbursement:
        """Apply, approve (with registration) and disburse a financing."""
        f = financing.apply(
            self.ctx,
            actor=self.user(holder),
            fragment_ids=fragments,
            principal_fen=principal_fen,
            idempotency_key=key(),
        )
        if not disburse:
            return f
        bank = self.user("bank", "approver")
        financing.review(
            self.ctx,
            actor=bank,
            financing_id=f.id,
            approve=True,
            checklist={"contract": True, "invoices": True, "documents": True},
            registration_no=f"ZDW-{f.id[-10:]}",
            idempotency_key=key(),
        )
        return financing.disburse(self.ctx, actor=bank, financing_id=f.id, idempotency_key=key())


def copy_sqlite(source: Any, target: Any) -> None:
    """Copy a SQLite database file (with SQLite's online backup, so a WAL file is included)."""
    import sqlite3

    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        src.close()
        dst.close()


def in_threads(fn: Any, items: list[Any], *, timeout: float = 120) -> None:
    """Run ``fn(item)`` for every item, each in its own thread, all at once; re-raise the first failure."""
    import threading

    failures: list[BaseException] = []

    def run(item: Any) -> None:
        try:
            fn(item)
        except BaseException as exc:  # noqa: BLE001 - re-raised below, in the caller's thread
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout)
    assert not any(th.is_alive() for th in threads), "a thread did not finish in time"
    if failures:
        raise failures[0]


# --- restrictions (no use case records them yet: the rows are data) ---


def restrict(world: World, party: str, action: str, **values: Any) -> str:
    """Record a restriction on a party of the world (``party_restriction``, a black-list entry by default)."""
    rid = f"rst_{next(_counter):020d}"
    with world.ctx.uow() as uow:
        uow.conn.execute(
            insert(t.party_restriction).values(
                id=rid,
                party_id=world.ids[party],
                action=action,
                kind=values.pop("kind", "blacklist"),
                reason=values.pop("reason", "区黑名单"),
                valid_from=values.pop("valid_from", world.ctx.clock.today()),
                created_at=world.ctx.clock.now(),
                **values,
            )
        )
        uow.commit()
    return rid


def lift(world: World, rid: str) -> None:
    """Remove a restriction."""
    with world.ctx.uow() as uow:
        uow.conn.execute(delete(t.party_restriction).where(t.party_restriction.c.id == rid))
        uow.commit()
