"""The composition root: wires settings, database, calendar and payments into a service context."""

from __future__ import annotations

import logging
import sys

import structlog
from sqlalchemy import Engine, select

from lianrong.adapters.db import migrate
from lianrong.adapters.db import tables as t
from lianrong.adapters.db.engine import make_engine
from lianrong.adapters.holidays import ChineseCalendarSource
from lianrong.adapters.payments import make_adapter
from lianrong.kernel.errors import SimulatedClockInProduction
from lianrong.kernel.policy import Policy, ProgrammePolicy, Targets, WatchLimits
from lianrong.platform.context import Clock, Context, FixedClock, SystemClock
from lianrong.settings import Settings, get_settings

_engines: dict[tuple[str, str], Engine] = {}


def configure_logging(level: str = "WARNING") -> None:
    """Structured logs (structlog) to stderr, so command output on stdout stays clean."""
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )


def policy_from(settings: Settings) -> Policy:
    """The regulation switches of the settings as a domain policy."""
    return Policy(
        max_term_months=settings.max_term_months,
        long_term_months=settings.long_term_months,
        long_term_requires_bank_approval=settings.long_term_requires_bank_approval,
        registration_required=settings.registration_required,
        roll_maturity=settings.roll_maturity,
        max_financing_months=settings.max_financing_months,
        max_financing_ratio=settings.max_financing_ratio,
        credit_occupation=settings.credit_occupation,
        split_watch=WatchLimits(
            tier_margin=settings.split_watch_tier_margin,
            max_fragments=settings.split_watch_max_fragments,
            daily_transfers=settings.split_watch_daily_transfers,
        ),
        programme=ProgrammePolicy(
            whitelist_required_for_issue=settings.whitelist_required_for_issue,
            renewal_month=settings.whitelist_renewal_month,
            renewal_days=settings.whitelist_renewal_days,
            blacklist_effects=tuple((k, tuple(v)) for k, v in sorted(settings.blacklist_effects.items())),
            blacklist_min_months=tuple(sorted(settings.blacklist_min_months.items())),
            blacklist_overdue_days=settings.blacklist_overdue_days,
            targets=Targets(
                by=settings.target_date,
                key_chain_financing_fen=settings.target_key_chain_financing_fen,
                products=settings.target_products,
                core_enterprises=settings.target_core_enterprises,
                yearly_credit_fen=settings.target_yearly_credit_fen,
            ),
        ),
    )


def clock_for(settings: Settings) -> Clock:
    """The business clock: today in Beijing, or a test deployment's simulated date (never in production)."""
    day = settings.simulated_today
    if day is None:
        return SystemClock()
    if settings.environment == "production":
        raise SimulatedClockInProduction(date=day.isoformat())
    return FixedClock(day)


def engine_for(url: str, settings: Settings) -> Engine:
    """One engine per URL per process."""
    key = (url, settings.sqlite_synchronous)
    if key not in _engines:
        _engines[key] = make_engine(url, sqlite_synchronous=settings.sqlite_synchronous)
    return _engines[key]


def cached_urls() -> set[str]:
    """The URLs this process holds an engine for (``engine_for``)."""
    return {url for url, _ in _engines}


def dispose(url: str) -> None:
    """Dispose and forget this process's engines for ``url``: their pooled and kept connections and the SQLite
    writer are closed, and the next ``engine_for`` makes a new engine. A context built on it keeps working
    (a disposed engine opens new connections), it only no longer shares the cached engine."""
    for key in [k for k in _engines if k[0] == url]:
        _engines.pop(key).dispose()


def dispose_all() -> None:
    """Dispose and forget every engine of this process (see ``dispose``)."""
    for url in cached_urls():
        dispose(url)


def build(
    *,
    database_url: str | None = None,
    settings: Settings | None = None,
    clock: Clock | None = None,
    migrate_schema: bool = True,
) -> Context:
    """A service context for the configured (or given) database, migrated to the newest schema."""
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    deployment_clock = clock_for(settings)  # first: production refuses to start with a simulated date
    url = database_url or settings.database_url
    engine = engine_for(url, settings)
    if migrate_schema and not migrate.is_up_to_date(engine):
        migrate.upgrade(engine)
    with engine.connect() as conn:
        overrides = {r.day: r.workday for r in conn.execute(select(t.calendar_override))} if migrate_schema else {}
    return Context(
        engine=engine,
        policy=policy_from(settings),
        clock=clock or deployment_clock,
        holidays=ChineseCalendarSource(overrides),
        payments=make_adapter(settings.payments),
        hash_algorithm=settings.hash_algorithm,
        settings=settings,
    )
