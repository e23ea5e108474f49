"""What every use case needs, wired once by the composition root (``bootstrap``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Engine

from lianrong.adapters.db.uow import UnitOfWork
from lianrong.kernel import errors
from lianrong.kernel.calendar import BEIJING, HolidaySource
from lianrong.kernel.policy import Policy

if TYPE_CHECKING:
    from lianrong.adapters.payments import PaymentsAdapter


class Clock(Protocol):
    def today(self) -> dt.date: ...
    def now(self) -> dt.datetime: ...


class SystemClock:
    """Beijing business date and UTC timestamps."""

    def today(self) -> dt.date:
        return dt.datetime.now(BEIJING).date()

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


@dataclass
class FixedClock:
    """A clock that stays where it is put: for the demo, tests and back-dated jobs."""

    day: dt.date

    def today(self) -> dt.date:
        return self.day

    def now(self) -> dt.datetime:
        return dt.datetime.combine(self.day, dt.time(9, 0), tzinfo=dt.UTC)


def back_dated(clock: Clock, day: dt.date) -> FixedClock:
    """A clock fixed on an earlier business date, for a back-dated run; a date after the clock's is refused.

    Only the deployment's clock decides what "today" is (``LIANRONG_SIMULATED_TODAY`` on a test
    deployment), so a back-dated run can never act in the future.
    """
    today = clock.today()
    if day > today:
        raise errors.BusinessDateAhead(date=day.isoformat(), today=today.isoformat())
    return FixedClock(day)


@dataclass(frozen=True)
class Actor:
    """Who acts: a user of one organisation (party), with a role."""

    user_id: str
    party_id: str
    role: str = "operator"


SYSTEM = Actor(user_id="system", party_id="system", role="system")


@dataclass
class Context:
    """Engine, policy, clock and adapters shared by the services."""

    engine: Engine
    policy: Policy
    clock: Clock
    holidays: HolidaySource
    payments: PaymentsAdapter
    hash_algorithm: str = "sha256"
    settings: object | None = None
    defaults: dict = field(default_factory=dict)

    def uow(self, *, readonly: bool = False, autocommit: bool = False, single_write: bool = False) -> UnitOfWork:
        """A new unit of work on this context's database (see ``UnitOfWork`` for the flags)."""
        return UnitOfWork(self.engine, readonly=readonly, autocommit=autocommit, single_write=single_write)
