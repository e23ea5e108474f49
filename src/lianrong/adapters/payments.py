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

from sqlalchemy import Connection, insert, select, update

from .db import tables as t


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
        """Move balances for each instruction the payer can afford, in order."""
        out: dict[str, Outcome] = {}
        balances: dict[str, int] = {}
        for ins in instructions:
            if not ins.payer_is_bank:
                if ins.payer_id not in balances:
                    balances[ins.payer_id] = conn.execute(select(t.sim_account.c.balance_fen).where(
                        t.sim_account.c.party_id == ins.payer_id)).scalar() or 0
                if balances[ins.payer_id] < ins.amount_fen:
                    out[ins.id] = Outcome("failed", failure="insufficient funds / 余额不足")
                    continue
                balances[ins.payer_id] -= ins.amount_fen
            balances[ins.payee_id] = self._balance(conn, balances, ins.payee_id) + ins.amount_fen
            out[ins.id] = Outcome("confirmed", reference=f"SIM-{ins.id[-12:]}")
        for party_id, balance in balances.items():
            self._store(conn, party_id, balance)
        return out

    @staticmethod
    def _balance(conn: Connection, cache: dict[str, int], party_id: str) -> int:
        if party_id not in cache:
            cache[party_id] = conn.execute(select(t.sim_account.c.balance_fen).where(
                t.sim_account.c.party_id == party_id)).scalar() or 0
        return cache[party_id]

    @staticmethod
    def _store(conn: Connection, party_id: str, balance: int) -> None:
        res = conn.execute(update(t.sim_account).where(t.sim_account.c.party_id == party_id)
                           .values(balance_fen=balance))
        if res.rowcount == 0:
            conn.execute(insert(t.sim_account).values(party_id=party_id, balance_fen=balance))


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
