"""Payments adapters: where payment instructions go. The platform itself never holds money.

- :class:`SimulatedBank` keeps simulated accounts with balances in the same database (demo and tests
  need no bank); it executes an instruction at once when the payer has the funds. Banks' own funds are
  not modelled: a bank can always pay (disburse a loan, refund a surplus).
- :class:`BatchFileBank` leaves instructions pending; they are exported as a batch file (CSV/Excel) and
  confirmed later by importing the bank's confirmation file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Connection

from lianrong.adapters.db.raw import Raw


@dataclass(frozen=True)
class Instruction:
    """What an adapter needs of an instruction."""

    id: str
    payer_id: str
    payee_id: str
    amount_fen: int
    payer_is_bank: bool


@dataclass(frozen=True)
class Outcome:
    """The bank's answer: confirmed (with a reference), failed (with a reason) or still pending."""

    status: str  # confirmed | failed | pending
    reference: str | None = None
    failure: str | None = None


class PaymentsAdapter(Protocol):
    name: str

    def submit(self, conn: Connection, instructions: list[Instruction]) -> dict[str, Outcome]: ...


class SimulatedBank:
    """Executes instructions immediately against simulated balances (never real money)."""

    name = "simulated"

    def submit(self, conn: Connection, instructions: list[Instruction]) -> dict[str, Outcome]:
        """Move balances for each instruction the payer can afford, in order (fixed SQL: a read per 500
        parties and one ``executemany`` each for changed and new accounts)."""
        raw = Raw(conn)
        out: dict[str, Outcome] = {}
        parties = sorted({i.payee_id for i in instructions} | {i.payer_id for i in instructions if not i.payer_is_bank})
        known: dict[str, int] = {}
        for chunk in range(0, len(parties), 500):
            params: dict[str, object] = {}
            marks = raw.placeholders("p", parties[chunk : chunk + 500], params)
            known.update(raw.all(f"SELECT party_id, balance_fen FROM sim_account WHERE party_id IN ({marks})", params))
        balances = dict(known)
        for ins in instructions:
            if not ins.payer_is_bank:
                if balances.get(ins.payer_id, 0) < ins.amount_fen:
                    out[ins.id] = Outcome("failed", failure="insufficient funds / 余额不足")
                    continue
                balances[ins.payer_id] -= ins.amount_fen
            balances[ins.payee_id] = balances.get(ins.payee_id, 0) + ins.amount_fen
            out[ins.id] = Outcome("confirmed", reference=f"SIM-{ins.id[-12:]}")
        changed = [{"pid": p, "bal": b} for p, b in balances.items() if p in known and known[p] != b]
        new = [{"pid": p, "bal": b} for p, b in balances.items() if p not in known]
        if changed:
            raw.many("UPDATE sim_account SET balance_fen = :bal WHERE party_id = :pid", changed)
        if new:
            raw.many("INSERT INTO sim_account (party_id, balance_fen) VALUES (:pid, :bal)", new)
        return out


class BatchFileBank:
    """Leaves instructions pending for export as a batch file and a later confirmation import."""

    name = "batch"

    def submit(self, conn: Connection, instructions: list[Instruction]) -> dict[str, Outcome]:
        """Nothing is executed here; the bank executes the exported file."""
        return {ins.id: Outcome("pending") for ins in instructions}


def make_adapter(name: str) -> PaymentsAdapter:
    """The adapter configured by ``LIANRONG_PAYMENTS``."""
    if name == "batch":
        return BatchFileBank()
    return SimulatedBank()
