"""Credit lines of core enterprises: occupation never exceeds the line; release at settlement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from lianrong.credit import errors as credit_errors
from lianrong.kernel import errors


@dataclass(frozen=True)
class CreditLineState:
    """A bank's line for one core enterprise."""

    id: str
    limit_fen: int
    occupied_fen: int
    valid_from: date
    valid_to: date

    @property
    def available_fen(self) -> int:
        return self.limit_fen - self.occupied_fen


def check_occupation(*, line: CreditLineState, amount_fen: int) -> None:
    """Refuse an occupation that would take the line over its limit."""
    if line.occupied_fen + amount_fen > line.limit_fen:
        raise credit_errors.CreditExceeded(limit=line.limit_fen, occupied=line.occupied_fen, requested=amount_fen)


def check_validity(*, valid_from: date, valid_to: date) -> None:
    """A line's validity must be a non-empty period."""
    if valid_to < valid_from:
        raise errors.InvalidDate(value=f"{valid_from}..{valid_to}")


class LineState(StrEnum):
    """Where a credit line stands on a day."""

    IN_FORCE = "in_force"  # the day is within its validity
    FUTURE = "future"  # not yet valid
    EXPIRED = "expired"


def line_state(*, valid_from: date, valid_to: date, on: date) -> LineState:
    """A line's state on a day."""
    if valid_from > on:
        return LineState.FUTURE
    return LineState.IN_FORCE if on <= valid_to else LineState.EXPIRED
