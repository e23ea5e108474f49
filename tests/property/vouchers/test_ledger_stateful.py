"""The voucher ledger under random sequences of operations (Hypothesis stateful testing).

A :class:`LedgerMachine` drives the real services over a fresh database per example: issue, split,
transfer upstream, finance (apply / review / disburse / reject), advance the clock, settle at maturity,
and a range of operations that must be refused (spend a spent fragment, transfer more than held,
move a frozen or financed fragment, replay an idempotency key with another body, …).

It keeps its own model of the ledger (every fragment with holder, amount, tier, status and financing;
every voucher's status and chain length; every financing; every simulated balance) and after EVERY step
checks that:

* ``audit.verify`` finds all six invariants intact;
* the database agrees with the model fragment by fragment (so the leaves of each voucher sum to its
  face and everyone holds exactly what the model says), voucher by voucher and financing by financing;
* money is conserved. The simulated bank (``adapters/payments.py``) moves money between simulated
  accounts, except that a *bank* pays without being debited: its money comes from outside the system.
  So ``Σ balances = initial funding + Σ net disbursements + Σ surplus refunds`` (both paid by the
  bank), the core enterprise's balance falls by exactly what settlement paid, and every settled leaf
  was paid once to its holder (the bank for a financed leaf);
* the credit line's occupation equals the principal of the disbursed, not yet repaid financings.

Some examples give the core enterprise too little money: a settlement it cannot pay fails, the voucher
and its unpaid leaves go overdue (and their financings with them), the core is marked defaulted and
may issue no more; the failed instructions move no money.

A refused operation must raise a ``LianRongError`` with one of the predicted codes (the order of the
checks is not part of the contract, so any rule the operation breaks may be named) and change nothing (every
ledger table is compared before and after).

SQLite runs always (fresh file per example); PostgreSQL runs a smaller budget with a fresh database
per example (skipped when the server is unavailable, failing under ``CI=true``; see tests/conftest.py).
"""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from factories import World, key, make_context
from hypothesis import HealthCheck, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import create_engine, pool, select, text
from sqlalchemy.engine import make_url

from lianrong import bootstrap
from lianrong.adapters.db import tables as t
from lianrong.financing import model as fin_rules
from lianrong.financing import service as financing
from lianrong.kernel import errors
from lianrong.kernel.money import ratio_amount
from lianrong.parties import designations as designations
from lianrong.settlement import payments
from lianrong.settlement import service as settlement
from lianrong.vouchers import audit
from lianrong.vouchers import issuance as issuance
from lianrong.vouchers import service as vouchers

# the machine re-designates World's core with tighter parameters, so the limits are reached
MAX_TIER = 6
MIN_SPLIT = 100
RATIO = Decimal("0.8")
LPR = Decimal("0.0300")  # World's LPR; the core's spread is the settings' default
SPREAD = Decimal("0.0050")
CORE_FUNDS = 10**12  # plenty; some examples give the core far less, so settlements fail (overdue)
LAST_CLOCK_DAY = dt.date(2028, 6, 30)  # the credit line is valid to 2028-12-31
CHECKLIST = {"contract": True, "invoices": True, "documents": True}

#: extra trade contracts (buyer, seller) on top of World's chain core→s1→s2→s3→s4, so fragments can
#: travel more ways (and back round to s1), plus s4 buying from the core (a transfer to the issuer).
EXTRA_CONTRACTS = [("s1", "s3"), ("s2", "s4"), ("s3", "s1"), ("s4", "s1"), ("s4", "s2"), ("s4", "core")]
SUPPLIERS = ["s1", "s2", "s3", "s4"]
LEDGER_TABLES = (
    "voucher",
    "fragment",
    "voucher_op",
    "financing",
    "financing_asset",
    "payment_instruction",
    "sim_account",
    "credit_line",
    "idempotency",
    "invoice",
    "voucher_invoice",
)


# --- the model -----------------------------------------------------------------------------------


@dataclass
class MFrag:
    id: str
    voucher: str
    parent: str | None
    holder: str  # party id
    amount: int
    tier: int
    status: str = "active"
    financing: str | None = None


@dataclass
class MVoucher:
    id: str
    face: int
    maturity: dt.date
    status: str = "active"
    ops: int = 2  # prepare + issue


@dataclass
class MFin:
    id: str
    applicant: str  # party id
    frags: list[str]
    face: int
    principal: int
    maturity: dt.date
    status: str = "applied"
    net: int | None = None


@dataclass
class LastCall:
    """A successful call kept for replays: the call with a key, and a body that differs."""

    key: str
    call: Callable[[str], Any]
    other_body: Callable[[str], Any]
    result: Any
    what: str


# --- databases -----------------------------------------------------------------------------------


class _SqliteDatabase:
    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="lr-stateful-")
        self.url = f"sqlite:///{self.dir}/ledger.db"

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


class _PostgresDatabase:
    """A fresh database on the server of ``admin_url`` (the same recipe as conftest's ``pg_url``)."""

    def __init__(self, admin_url: str) -> None:
        self.name = f"lr_test_{secrets.token_hex(6)}"
        self.admin = create_engine(
            admin_url, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool, connect_args={"connect_timeout": 5}
        )
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.url = make_url(admin_url).set(database=self.name).render_as_string(hide_password=False)

    def close(self) -> None:
        try:
            with self.admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        finally:
            self.admin.dispose()


# --- the machine ---------------------------------------------------------------------------------


class LedgerMachine(RuleBasedStateMachine):
    """Random operations on one World; the model and the database must agree after every step."""

    pg_admin_url: str | None = None

    def __init__(self) -> None:
        super().__init__()
        self.db = _PostgresDatabase(self.pg_admin_url) if self.pg_admin_url else _SqliteDatabase()
        try:
            self.ctx = make_context(self.db.url, sqlite_synchronous="NORMAL")  # no fsync: speed, not durability
            self.world = World(self.ctx, core_funds_fen=1)  # the rest comes in fund_the_core
            for buyer, seller in EXTRA_CONTRACTS:
                self.world.contract(buyer, seller)
            w = self.world
            designations.designate_core(
                self.ctx,
                actor=w.user("bank", "approver"),
                bank=w.ids["bank"],
                core=w.ids["core"],
                max_ratio=f"{RATIO * 100}%",
                min_split_fen=MIN_SPLIT,
                max_tier=MAX_TIER,
                idempotency_key=key(),
            )
        except BaseException:
            self._close()
            raise
        w = self.world
        self.id = dict(w.ids)
        self.name = {v: k for k, v in w.ids.items()}
        self.sellers: dict[str, set[str]] = {}
        for buyer, seller in w.contracts:
            self.sellers.setdefault(buyer, set()).add(seller)
        self.actors = {org: w.user(org) for org in ("bank", "core", *SUPPLIERS)}
        self.bank_approver = w.user("bank", "approver")
        self.frags: dict[str, MFrag] = {}
        self.vouchers: dict[str, MVoucher] = {}
        self.fins: dict[str, MFin] = {}
        self.funded = 1  # put into the core's simulated account
        self.balances: dict[str, int] = {self.id["core"]: 1}
        self.money_in = 0  # paid by the bank (net disbursements and surplus refunds): from outside
        self.settled_paid = 0  # paid by the core at settlement
        self.settle_failed = 0  # settlement instructions the core could not pay
        self.defaulted = False
        self.occupied = 0
        self.last: LastCall | None = None
        self.refusals: dict[str, int] = {}

    # --- housekeeping ---

    @property
    def today(self) -> dt.date:
        return self.ctx.clock.day  # type: ignore[attr-defined]

    def _close(self) -> None:
        bootstrap.dispose(self.db.url)
        self.db.close()

    def teardown(self) -> None:
        note(f"refusals seen: {self.refusals}")
        self._close()

    def fingerprint(self) -> dict[str, list[str]]:
        """Every row of every ledger table, to show that a refused operation changed nothing."""
        with self.ctx.engine.connect() as conn:
            return {
                name: sorted(repr(tuple(r)) for r in conn.execute(select(t.metadata.tables[name])))
                for name in LEDGER_TABLES
            }

    def refused(self, codes: str | tuple[str, ...], call: Callable[[], Any], what: str) -> str:
        """``call`` must raise a LianRongError with one of ``codes`` and leave every table as it was."""
        codes = (codes,) if isinstance(codes, str) else codes
        before = self.fingerprint()
        with pytest.raises(errors.LianRongError) as caught:
            call()
        code = caught.value.code
        assert code in codes, f"{what}: expected {codes}, got {code}: {caught.value}"
        after = self.fingerprint()
        changed = [name for name in LEDGER_TABLES if before[name] != after[name]]
        assert not changed, f"{what} was refused ({code}) but changed tables {changed}"
        self.refusals[code] = self.refusals.get(code, 0) + 1
        return code

    # --- model queries ---

    def voucher_of(self, f: MFrag) -> MVoucher:
        return self.vouchers[f.voucher]

    def movable(self) -> list[MFrag]:
        """Active fragments held by a supplier, before maturity (they may move or be financed)."""
        return [
            f
            for f in self.frags.values()
            if f.status == "active"
            and self.name[f.holder] in SUPPLIERS
            and self.voucher_of(f).status == "active"
            and self.today < self.voucher_of(f).maturity
        ]

    def splittable(self) -> list[MFrag]:
        """Movable fragments that can go (at least the minimum) to a recipient without passing the last tier."""
        return [f for f in self.movable() if f.amount >= MIN_SPLIT and f.tier < MAX_TIER]

    def open_vouchers(self) -> list[MVoucher]:
        return [v for v in self.vouchers.values() if v.status == "active"]

    def fins_in(self, *statuses: str) -> list[MFin]:
        return [f for f in self.fins.values() if f.status in statuses]

    # --- predictions: every rule an operation breaks, as error codes (empty: it must succeed) ---
    # Any one of the broken rules may be reported: the order of the checks is not part of the contract.

    def sees(self, f: MFrag, who: str) -> bool:
        """Whether ``who`` may see the part (``scope.fragment_filter``): its bank and issuer always (one of
        each here), an enterprise the parts it holds, handed on, or financed."""
        p = self.id[who]
        if who in ("bank", "core") or f.holder == p:
            return True
        if f.parent is not None and self.frags[f.parent].holder == p:
            return True
        return any(m.applicant == p and f.id in m.frags for m in self.fins.values())

    def transfer_faults(self, f: MFrag, sender: str, parts: list[tuple[str, int]]) -> set[str]:
        if not self.sees(f, sender):
            return {"fragment.not_found"}  # scope first: nothing else is told about another's part
        v = self.voucher_of(f)
        faults = set()
        if v.status != "active":
            faults.add("state.invalid")
        if f.holder != self.id[sender]:
            faults.add("fragment.not_holder")
        if f.status != "active":
            faults.add("fragment.not_active")
        if self.today >= v.maturity:
            faults.add("fragment.matured")
        if f.tier + 1 > MAX_TIER:
            faults.add("transfer.tier_exceeded")
        recipients = [r for r, _ in parts]
        if len(set(recipients)) != len(recipients):
            faults.add("validation.failed")
        total = sum(a for _, a in parts)
        if total > f.amount:
            faults.add("transfer.sum_mismatch")
        if any(a < MIN_SPLIT for _, a in parts) or 0 < f.amount - total < MIN_SPLIT:
            faults.add("transfer.below_minimum")
        for r in recipients:
            if r == "bank":
                faults.add("party.wrong_kind")
            elif r == sender:
                faults.add("transfer.to_self")
            elif r == "core":  # back to the issuer
                faults |= {"transfer.to_self", "validation.failed"}
            elif r not in self.sellers.get(sender, set()):
                faults.add("transfer.no_trade")
        return faults

    def apply_faults(self, frags: list[MFrag], applicant: str, principal: int | None) -> set[str]:
        if not all(self.sees(f, applicant) for f in frags):
            return {"fragment.not_found"}  # scope first
        faults = set()
        for f in frags:
            v = self.voucher_of(f)
            if v.status != "active":
                faults.add("state.invalid")
            if f.holder != self.id[applicant]:
                faults.add("fragment.not_holder")
            if f.status != "active":
                faults.add("fragment.not_active")
            if self.today >= v.maturity:
                faults.add("fragment.matured")
        if len({self.voucher_of(f).maturity for f in frags}) != 1:
            faults.add("financing.mixed_core")
        ceiling = ratio_amount(amount=sum(f.amount for f in frags), ratio=RATIO)
        if principal is None and ceiling == 0:
            faults.add("amount.not_positive")  # 80 % of a fen or so: nothing to lend
        if principal is not None and principal > ceiling:
            faults.add("financing.ratio_exceeded")
        return faults

    # --- operations with their model updates ---

    def do_transfer(self, f: MFrag, sender: str, parts: list[tuple[str, int]]) -> None:
        expected = self.transfer_faults(f, sender, parts)
        k = key()
        body = [{"recipient": self.id[r], "amount_fen": a} for r, a in parts]

        def call(idem: str, body: list[dict[str, Any]] = body) -> Any:
            return vouchers.transfer(
                self.ctx, actor=self.actors[sender], fragment_id=f.id, parts=body, idempotency_key=idem
            )

        what = f"transfer {f.id} ({f.status}, {f.amount}, tier {f.tier}) by {sender} as {parts}"
        note(what)
        if expected:
            self.refused(tuple(sorted(expected)), lambda: call(k), what)
            return
        result = call(k)
        want = [(self.id[r], a, f.tier + 1) for r, a in parts]
        remainder = f.amount - sum(a for _, a in parts)
        if remainder:
            want.append((f.holder, remainder, f.tier))
        got = [(c.holder_id, c.amount_fen, c.tier) for c in result.children]
        assert got == want, f"{what}: children {got}, expected {want}"
        assert result.spent_fragment_id == f.id
        f.status = "spent"
        for c in result.children:
            self.frags[c.id] = MFrag(c.id, f.voucher, f.id, c.holder_id, c.amount_fen, c.tier)
        self.voucher_of(f).ops += 1
        other = [{**body[0], "amount_fen": body[0]["amount_fen"] + 1}] + body[1:]
        self.last = LastCall(k, call, lambda idem: call(idem, other), result, what)

    def do_apply(self, frags: list[MFrag], applicant: str, principal: int | None) -> MFin | None:
        expected = self.apply_faults(frags, applicant, principal)
        ids = [f.id for f in frags]
        k = key()

        def call(idem: str, p: int | None = principal) -> Any:
            return financing.apply(
                self.ctx, actor=self.actors[applicant], fragment_ids=ids, principal_fen=p, idempotency_key=idem
            )

        what = f"finance-apply {ids} by {applicant}, principal {principal}"
        note(what)
        if expected:
            self.refused(tuple(sorted(expected)), lambda: call(k), what)
            return None
        r = call(k)
        face = sum(f.amount for f in frags)
        assert r.status == "applied" and r.face_fen == face
        assert r.principal_fen == (ratio_amount(amount=face, ratio=RATIO) if principal is None else principal)
        m = MFin(r.id, self.id[applicant], ids, face, r.principal_fen, self.voucher_of(frags[0]).maturity)
        self.fins[m.id] = m
        for f in frags:
            f.status, f.financing = "frozen", m.id
        for vid in {f.voucher for f in frags}:
            self.vouchers[vid].ops += 1
        other = r.principal_fen if principal is None else None  # the same amount, asked another way
        self.last = LastCall(k, call, lambda idem: call(idem, other), r, what)
        return m

    def fin_vouchers(self, m: MFin) -> set[str]:
        return {self.frags[fid].voucher for fid in m.frags}

    def do_review(self, m: MFin, approve: bool) -> None:
        what = f"review {m.id} ({m.status}) approve={approve}"
        note(what)

        def call() -> Any:
            return financing.review(
                self.ctx,
                actor=self.bank_approver,
                financing_id=m.id,
                approve=approve,
                checklist=CHECKLIST,
                reason=None if approve else "不符合条件",
                registration_no=f"ZDW-{m.id[-10:]}" if approve else None,
                idempotency_key=key(),
            )

        if m.status != "applied":
            self.refused("state.invalid", call, what)
            return
        r = call()
        for vid in self.fin_vouchers(m):
            self.vouchers[vid].ops += 1
        if approve:
            assert r.status == "approved"
            m.status = "approved"
            return
        assert r.status == "rejected"
        m.status = "rejected"
        for fid in m.frags:
            f = self.frags[fid]
            f.status, f.financing = "active", None

    def do_disburse(self, m: MFin) -> None:
        what = f"disburse {m.id} ({m.status})"
        note(what)

        def call() -> Any:
            return financing.disburse(self.ctx, actor=self.bank_approver, financing_id=m.id, idempotency_key=key())

        if m.status != "approved":
            self.refused("state.invalid", call, what)
            return
        if self.today >= m.maturity:
            self.refused("fragment.matured", call, what)
            return
        r = call()
        q = fin_rules.quote(
            principal_fen=m.principal, lpr=LPR, spread=SPREAD, financing_on=self.today, maturity_on=m.maturity
        )
        assert (r.interest_fen, r.net_fen, r.days) == (q.interest_fen, q.net_fen, q.days), (r, q)
        assert r.net_fen == m.principal - r.interest_fen > 0
        assert r.instruction_status == "confirmed"
        m.status, m.net = "disbursed", r.net_fen
        for fid in m.frags:
            f = self.frags[fid]
            f.status, f.holder = "financed", self.id["bank"]
        for vid in self.fin_vouchers(m):
            self.vouchers[vid].ops += 1
        self.credit(m.applicant, m.net)
        self.money_in += m.net
        self.occupied += m.principal

    def credit(self, party: str, amount: int) -> None:
        self.balances[party] = self.balances.get(party, 0) + amount

    def do_settle(self) -> None:
        """Run the job for today and follow it in the model, voucher by voucher in the job's order.

        Which leaves the core manages to pay when it runs short depends on the order of the
        instructions (ids minted in the same millisecond are not ordered), so the paid/unpaid split is
        read back from the database and checked for what the simulated bank guarantees: it pays each
        instruction it can afford, so every unpaid amount exceeds what the core had left.
        """
        today = self.today
        due = sorted(
            (v for v in self.vouchers.values() if v.status in ("active", "overdue") and v.maturity <= today),
            key=lambda v: (v.maturity, v.id),
        )
        note(f"settle on {today}: {[v.id for v in due]}")
        summary = settlement.settle(self.ctx, on=today)
        with self.ctx.uow(readonly=True) as uow:
            db_status = dict(uow.conn.execute(select(t.fragment.c.id, t.fragment.c.status)).all())
        assert summary.errors == (), summary
        assert summary.vouchers == len(due), summary
        instructions = failures = 0
        overdue = []
        core = self.id["core"]
        for v in due:
            if v.status == "overdue":  # already failed once: the job leaves it alone
                overdue.append(v.id)
                continue
            leaves = [f for f in self.frags.values() if f.voucher == v.id and f.status != "spent"]
            frozen = [f for f in leaves if f.status == "frozen"]
            # pending applications end at maturity, each as a whole: every part it holds goes back to its
            # holder, on every voucher it spans (one entry on each), and the holders are paid instead
            for fid in sorted({f.financing for f in frozen}):  # type: ignore[type-var]
                m = self.fins[fid]  # type: ignore[index]
                assert m.status in ("applied", "approved"), m
                m.status = "rejected"
                for vid in sorted({self.frags[x].voucher for x in m.frags}):
                    self.vouchers[vid].ops += 1
                for x in m.frags:
                    if self.frags[x].status == "frozen":
                        self.frags[x].status, self.frags[x].financing = "active", None
            payable = [f for f in leaves if f.status in ("active", "financed")]
            assert payable, f"voucher {v.id} has nothing to pay"
            instructions += len(payable)
            v.ops += 1  # settle_instruct
            paid = [f for f in payable if db_status[f.id] == "settled"]
            unpaid = [f for f in payable if db_status[f.id] != "settled"]
            if paid:
                v.ops += 1  # settle
            touched: list[str] = []
            for f in paid:
                self.credit(f.holder, f.amount)
                self.balances[core] -= f.amount
                self.settled_paid += f.amount
                if f.status == "financed":
                    touched.append(f.financing)  # type: ignore[arg-type]
                f.status = "settled"
            assert self.balances[core] >= 0
            for fid in dict.fromkeys(touched):
                m = self.fins[fid]
                if m.status == "disbursed" and all(self.frags[x].status == "settled" for x in m.frags):
                    m.status = "repaid"
                    self.occupied -= m.principal
                    if m.face > m.principal:  # the bank refunds what it collected above the principal
                        self.credit(m.applicant, m.face - m.principal)
                        self.money_in += m.face - m.principal
            if unpaid:
                assert all(f.amount > self.balances[core] for f in unpaid), (
                    f"the simulated bank refused {[f.amount for f in unpaid]} with {self.balances[core]} left"
                )
                failures += len(unpaid)
                self.settle_failed += sum(f.amount for f in unpaid)
                for f in leaves:
                    if f.status in ("active", "financed", "frozen"):
                        if f.status == "financed" and self.fins[f.financing].status == "disbursed":  # type: ignore[index]
                            self.fins[f.financing].status = "overdue"  # type: ignore[index]
                        f.status = "overdue"
                v.ops += 1  # overdue
                v.status = "overdue"
                self.defaulted = True
                overdue.append(v.id)
            else:
                v.status = "settled"
        assert summary.instructions == instructions, summary
        assert (summary.confirmed, summary.failed) == (instructions - failures, failures), summary
        assert sorted(summary.overdue) == sorted(overdue), summary
        # the job is idempotent: running it again on the same day changes nothing
        before = self.fingerprint()
        again = settlement.settle(self.ctx, on=today)
        assert again.instructions == 0 and again.errors == (), again
        assert self.fingerprint() == before, "a second settlement run on the same day changed the ledger"

    # --- rules: the happy paths ---

    @initialize(funds=st.one_of(st.just(CORE_FUNDS), st.just(CORE_FUNDS), st.just(CORE_FUNDS), st.integers(0, 10**7)))
    def fund_the_core(self, funds: int) -> None:
        """Mostly the core can pay every maturity; sometimes it runs short and vouchers go overdue."""
        if funds > 1:
            payments.fund(self.ctx, party=self.id["core"], amount_fen=funds - 1, idempotency_key=key())
            self.funded = funds
            self.credit(self.id["core"], funds - 1)
        note(f"the core has {self.funded} fen")

    @precondition(lambda self: len(self.open_vouchers()) < 8 and self.today < LAST_CLOCK_DAY)
    @rule(
        amount=st.one_of(
            st.integers(MIN_SPLIT, 100 * MIN_SPLIT), st.integers(MIN_SPLIT, 10**9), st.integers(1, MIN_SPLIT)
        ),
        days=st.sampled_from([20, 45, 60, 90, 120]),
    )
    def issue(self, amount: int, days: int) -> None:
        w = self.world
        maturity_asked = self.today + dt.timedelta(days=days)
        if self.defaulted:  # an issuer that defaulted at an earlier maturity may not issue again
            invoice = w.invoice(amount)
            self.refused(
                "issue.issuer_defaulted",
                lambda: w.prepare(amount, maturity=maturity_asked, invoice=invoice),
                "issue by a defaulted core",
            )
            return
        prepared = w.prepare(amount, maturity=maturity_asked)
        r = issuance.approve(self.ctx, actor=w.user("core", "approver"), voucher_id=prepared.id, idempotency_key=key())
        note(f"issue {r.id} face {amount} maturity {r.maturity_on} root {r.root_fragment_id}")
        maturity = r.maturity_on
        assert self.today + dt.timedelta(days=days) <= maturity <= self.today + dt.timedelta(days=days + 14)
        assert r.holder_id == self.id["s1"] and r.face_fen == amount
        self.vouchers[r.id] = MVoucher(r.id, amount, maturity)
        root = r.root_fragment_id
        self.frags[root] = MFrag(root, r.id, None, self.id["s1"], amount, 1)

    def _valid_transfer(self, data: st.DataObject, *, whole: bool) -> None:
        f = data.draw(st.sampled_from(self.splittable()), label="fragment")
        sender = self.name[f.holder]
        candidates = sorted(self.sellers[sender] - {"core"})
        k = data.draw(st.integers(1, min(3, len(candidates), f.amount // MIN_SPLIT)), label="recipients")
        rs = data.draw(st.permutations(candidates), label="order")[:k]
        if whole or f.amount - MIN_SPLIT < k * MIN_SPLIT:
            total = f.amount
        else:  # what is left to the sender is nothing or at least the minimum
            total = data.draw(
                st.one_of(st.just(f.amount), st.integers(k * MIN_SPLIT, f.amount - MIN_SPLIT)), label="total"
            )
        parts, rest = [], total
        for i, r in enumerate(rs[:-1]):
            a = data.draw(st.integers(MIN_SPLIT, rest - MIN_SPLIT * (k - 1 - i)), label=f"part {i}")
            parts.append((r, a))
            rest -= a
        parts.append((rs[-1], rest))
        assert not self.transfer_faults(f, sender, parts), (parts, self.transfer_faults(f, sender, parts))
        self.do_transfer(f, sender, parts)

    @precondition(lambda self: self.splittable())
    @rule(data=st.data())
    def transfer_all_of_a_fragment(self, data: st.DataObject) -> None:
        """A valid transfer of the whole fragment to 1–3 upstream sellers of its holder."""
        self._valid_transfer(data, whole=True)

    @precondition(lambda self: self.splittable())
    @rule(data=st.data())
    def split_keeping_a_remainder(self, data: st.DataObject) -> None:
        """A valid split: parts to 1–3 upstream sellers, the remainder (if any) back to the holder."""
        self._valid_transfer(data, whole=False)

    @precondition(lambda self: self.movable())
    @rule(data=st.data(), then=st.sampled_from(["apply", "approve", "disburse", "disburse", "disburse", "reject"]))
    def finance(self, data: st.DataObject, then: str) -> None:
        """Apply for 1–3 fragments of one holder and one maturity; then maybe review and disburse."""
        f0 = data.draw(st.sampled_from(self.movable()), label="fragment")
        same = [
            f
            for f in self.movable()
            if f.holder == f0.holder and f.id != f0.id and self.voucher_of(f).maturity == self.voucher_of(f0).maturity
        ]
        more = (
            data.draw(st.lists(st.sampled_from(same), max_size=2, unique_by=lambda f: f.id), label="more")
            if same
            else []
        )
        frags = [f0, *more]
        face = sum(f.amount for f in frags)
        ceiling = ratio_amount(amount=face, ratio=RATIO)
        principal = data.draw(
            st.one_of(st.none(), st.integers(1, ceiling)) if ceiling else st.none(), label="principal"
        )
        m = self.do_apply(frags, self.name[f0.holder], principal)
        if m is None:  # too small to lend anything on (refused, as predicted)
            return
        if then in ("approve", "disburse"):
            self.do_review(m, approve=True)
        if then == "reject":
            self.do_review(m, approve=False)
        if then == "disburse":
            self.do_disburse(m)

    @precondition(lambda self: self.fins)
    @rule(data=st.data(), approve=st.booleans(), pending=st.sampled_from([True, True, True, False]))
    def review_or_disburse(self, data: st.DataObject, approve: bool, pending: bool) -> None:
        """Take a pending financing one step further (review it, or disburse it once approved); or act on
        any financing whatever its state, which is refused unless the step fits."""
        waiting = self.fins_in("applied", "approved")
        m = data.draw(st.sampled_from(waiting if pending and waiting else list(self.fins.values())), label="financing")
        if m.status == "approved" or (m.status != "applied" and data.draw(st.booleans(), label="disburse")):
            self.do_disburse(m)
        else:
            self.do_review(m, approve)

    @precondition(lambda self: self.open_vouchers() and self.today < LAST_CLOCK_DAY)
    @rule(data=st.data(), settle=st.sampled_from([True, True, False]))
    def time_passes(self, data: st.DataObject, settle: bool) -> None:
        """The clock moves (never back): to an open voucher's maturity and the job settles it, or just some days."""
        if settle:
            target = data.draw(st.sampled_from(sorted({v.maturity for v in self.open_vouchers()})), label="maturity")
            self.ctx.clock.day = max(self.today, target)  # type: ignore[attr-defined]
            self.do_settle()
        else:
            self.ctx.clock.day = self.today + dt.timedelta(days=data.draw(st.integers(1, 60), label="days"))
            note(f"clock → {self.today} (no settlement run)")

    # --- rules: anything goes (valid or not, predicted either way) ---

    def _some_fragment(self, data: st.DataObject) -> MFrag:
        live = [f for f in self.frags.values() if self.voucher_of(f).status == "active"]
        pool = st.sampled_from(live) if live else st.nothing()
        return data.draw(st.one_of(pool, pool, st.sampled_from(list(self.frags.values()))), label="fragment")

    @precondition(lambda self: self.frags)
    @rule(data=st.data())
    def transfer_anything(self, data: st.DataObject) -> None:
        """Any fragment, any sender, any recipients (the bank, the issuer, oneself, downstream), any amounts."""
        f = self._some_fragment(data)
        holder = self.name[f.holder]
        sender = data.draw(
            st.one_of(st.just(holder), st.sampled_from(["s1", "s2", "s3", "s4", "core", "bank"])), label="sender"
        )
        party = st.sampled_from(["s1", "s2", "s3", "s4", "s1", "s2", "s3", "s4", "core", "bank"])
        parts = data.draw(
            st.lists(st.tuples(party, st.integers(1, f.amount + 2)), min_size=1, max_size=3), label="parts"
        )
        self.do_transfer(f, sender, parts)

    @precondition(lambda self: self.frags)
    @rule(data=st.data())
    def finance_anything(self, data: st.DataObject) -> None:
        """Any 1–3 fragments (mostly the applicant's), any applicant, any principal up to a little over the face."""
        applicant = data.draw(st.sampled_from(SUPPLIERS), label="applicant")
        own = [f for f in self.frags.values() if f.holder == self.id[applicant] and f.status == "active"]
        pool = (
            st.one_of(st.sampled_from(own), st.sampled_from(own), st.sampled_from(list(self.frags.values())))
            if own
            else st.sampled_from(list(self.frags.values()))
        )
        frags = data.draw(st.lists(pool, min_size=1, max_size=3, unique_by=lambda x: x.id), label="fragments")
        face = sum(f.amount for f in frags)
        principal = data.draw(st.one_of(st.none(), st.integers(1, face + 2)), label="principal")
        self.do_apply(frags, applicant, principal)

    # --- rules: targeted refusals ---

    @precondition(lambda self: self.last is not None)
    @rule(data=st.data(), kind=st.sampled_from(["spent", "more-than-held", "financed-or-frozen", "replay"]))
    def refused_operation(self, data: st.DataObject, kind: str) -> None:
        """Operations that must be refused and change nothing (the transfers go through ``do_transfer``,
        which predicts the refusal; the assertions here make sure the case is the one intended)."""
        spent = [f for f in self.frags.values() if f.status == "spent"]
        locked = [f for f in self.frags.values() if f.status in ("financed", "frozen")]
        if kind == "spent" and spent:
            f = data.draw(st.sampled_from(spent), label="spent fragment")
            sender = self.name[f.holder]
            to = min(self.sellers[sender] - {"core"})
            assert self.transfer_faults(f, sender, [(to, f.amount)]) & {"fragment.not_active", "state.invalid"}
            self.do_transfer(f, sender, [(to, f.amount)])
        elif kind == "more-than-held" and self.movable():
            f = data.draw(st.sampled_from(self.movable()), label="fragment")
            extra = data.draw(st.integers(1, 10**6), label="extra")
            sender = self.name[f.holder]
            to = min(self.sellers[sender] - {"core"})
            assert "transfer.sum_mismatch" in self.transfer_faults(f, sender, [(to, f.amount + extra)])
            self.do_transfer(f, sender, [(to, f.amount + extra)])
        elif kind == "financed-or-frozen" and locked:
            f = data.draw(st.sampled_from(locked), label="financed or frozen fragment")
            applicant = self.name[self.fins[f.financing].applicant]  # type: ignore[index]
            sender = "bank" if data.draw(st.booleans(), label="by the bank") else applicant
            to = "s2" if sender != "s2" else "s3"
            assert self.transfer_faults(f, sender, [(to, 1)]) & {
                "fragment.not_active",
                "fragment.not_holder",
                "fragment.not_found",
            }
            self.do_transfer(f, sender, [(to, 1)])
            self.do_apply([f], applicant, None)  # and it cannot be financed again either
        else:
            # the same key with the same body returns the first result; with another body it is refused
            last = self.last
            assert last is not None
            before = self.fingerprint()
            assert last.call(last.key) == last.result, f"replay of {last.what} returned another result"
            assert self.fingerprint() == before, f"replay of {last.what} changed the ledger"
            self.refused(
                "idempotency.conflict", lambda: last.other_body(last.key), f"other body under the key of {last.what}"
            )

    # --- after every step ---

    @invariant()
    def audit_verify_passes(self) -> None:
        report = audit.verify(self.ctx)
        assert report.ok, report.violation
        assert report.counts.get("voucher", 0) == len(self.vouchers)
        assert report.counts.get("fragments", 0) == len(self.frags)

    @invariant()
    def database_matches_model(self) -> None:
        with self.ctx.uow(readonly=True) as uow:
            c = uow.conn
            db_frags = {
                r.id: MFrag(
                    r.id, r.voucher_id, r.parent_id, r.holder_id, r.amount_fen, r.tier, r.status, r.financing_id
                )
                for r in c.execute(select(t.fragment))
            }
            db_vouchers = {r.id: (r.face_fen, r.maturity_on, r.status, r.seq) for r in c.execute(select(t.voucher))}
            db_fins = {
                r.id: (r.status, r.applicant_id, r.face_fen, r.principal_fen) for r in c.execute(select(t.financing))
            }
            db_links = {(r.financing_id, r.asset_id) for r in c.execute(select(t.financing_asset))}
            db_balances = {r.party_id: r.balance_fen for r in c.execute(select(t.sim_account))}
            db_occupied = c.execute(select(t.credit_line.c.occupied_fen)).scalar_one()
            db_defaulted = c.execute(select(t.party.c.defaulted_on).where(t.party.c.id == self.id["core"])).scalar_one()
            paid: dict[tuple[str, bool, str], int] = {}
            for r in c.execute(select(t.payment_instruction)):
                k = (r.kind, r.payer_id == self.id["bank"], r.status)
                paid[k] = paid.get(k, 0) + r.amount_fen
        for fid in db_frags.keys() | self.frags.keys():
            assert db_frags.get(fid) == self.frags.get(fid), (
                f"fragment {fid}: db {db_frags.get(fid)} model {self.frags.get(fid)}"
            )
        for v in self.vouchers.values():
            leaves = sum(f.amount for f in self.frags.values() if f.voucher == v.id and f.status != "spent")
            assert leaves == v.face, f"voucher {v.id}: leaves {leaves} face {v.face}"
        assert db_vouchers == {v.id: (v.face, v.maturity, v.status, v.ops) for v in self.vouchers.values()}
        assert db_fins == {m.id: (m.status, m.applicant, m.face, m.principal) for m in self.fins.values()}
        assert db_links == {(m.id, fid) for m in self.fins.values() for fid in m.frags}
        # money
        nonzero = {k: v for k, v in db_balances.items() if v}
        assert nonzero == {k: v for k, v in self.balances.items() if v}, (nonzero, self.balances)
        assert sum(db_balances.values()) == self.funded + self.money_in, "money created or lost"
        assert (
            paid.get(("disbursement", True, "confirmed"), 0) + paid.get(("surplus", True, "confirmed"), 0)
            == self.money_in
        ), paid
        assert (
            paid.get(("settlement", False, "confirmed"), 0)
            == self.settled_paid
            == self.funded - db_balances.get(self.id["core"], 0)
        ), paid
        assert paid.get(("settlement", False, "failed"), 0) == self.settle_failed, paid
        assert set(paid) <= {
            ("disbursement", True, "confirmed"),
            ("surplus", True, "confirmed"),
            ("settlement", False, "confirmed"),
            ("settlement", False, "failed"),
        }, paid
        assert (db_defaulted is not None) == self.defaulted
        assert db_occupied == self.occupied


# --- the tests -----------------------------------------------------------------------------------

SQLITE_SETTINGS = settings(
    max_examples=25,
    stateful_step_count=35,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
POSTGRES_SETTINGS = settings(
    max_examples=5,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.mark.slow
def test_ledger_keeps_its_invariants_under_random_operations_on_sqlite():
    run_state_machine_as_test(LedgerMachine, settings=SQLITE_SETTINGS)


@pytest.mark.slow
@pytest.mark.postgres
def test_ledger_keeps_its_invariants_under_random_operations_on_postgres(pg_admin_url):
    machine = type("PostgresLedgerMachine", (LedgerMachine,), {"pg_admin_url": pg_admin_url})
    run_state_machine_as_test(machine, settings=POSTGRES_SETTINGS)
