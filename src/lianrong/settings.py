"""Typed settings (pydantic-settings, env prefix ``LIANRONG_``); every policy switch is named here."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from lianrong.kernel.policy import (
    DEFAULT_BLACKLIST_EFFECTS,
    DEFAULT_BLACKLIST_MIN_MONTHS,
    RESTRICTABLE,
    SEVERITIES,
)

DEFAULT_SECRET = "change-me-development-only"
#: the shortest ``LIANRONG_SECRET_KEY`` production accepts (32 characters: 192 bits and more of a random key)
MIN_SECRET_LENGTH = 32
ENV_PREFIX = "LIANRONG_"


class Settings(BaseSettings):
    """Deployment settings. Regulation limits marked (cfg) in the product doc are fields here."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    #: a test deployment's business date (YYYY-MM-DD) instead of today's in Beijing, to simulate the
    #: future (settle vouchers at their maturity); refused in production
    simulated_today: dt.date | None = None
    database_url: str = "sqlite:///lianrong.db"
    #: the key that signs the console's session cookie, CSRF tokens and one-time messages (HMAC-SHA256);
    #: changing it ends every console session
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    #: synchronous pragma for SQLite (FULL survives power loss; NORMAL is faster)
    sqlite_synchronous: Literal["FULL", "NORMAL"] = "FULL"

    # --- 银发〔2025〕77号 payment-term rules (cfg) ---
    #: a voucher's term may never exceed this many months (hard block)
    max_term_months: int = Field(12, ge=1, le=120)
    #: above this many months a recorded reason (and, if set, the bank's approval) is needed
    long_term_months: int = Field(6, ge=1, le=120)
    long_term_requires_bank_approval: bool = True
    #: refuse disbursement without the 中登网 registration number and time
    registration_required: bool = True
    #: roll a maturity on a non-working day to the next working day
    roll_maturity: bool = True
    #: financing term ceiling in months (and never beyond the voucher's remaining term)
    max_financing_months: int = Field(12, ge=1, le=120)
    #: ceiling of any financing ratio a bank may set (1 = 100%)
    max_financing_ratio: Decimal = Field(Decimal("1"), gt=0, le=1)
    #: when a core enterprise's credit line is occupied: at financing (default) or at issuance
    credit_occupation: Literal["financing", "issuance"] = "financing"
    #: split monitoring (77号: split depth and unusual splitting are tracked and reported): report a voucher
    #: whose deepest tier is within this many tiers of its core's maximum, …
    split_watch_tier_margin: int = Field(1, ge=0, le=100)
    #: … that has more fragments than this, …
    split_watch_max_fragments: int = Field(100, ge=1)
    #: … or a holder that split fragments of it this many times on one day
    split_watch_daily_transfers: int = Field(10, ge=2)
    #: defaults for a newly designated core enterprise's financing parameters
    default_min_split_fen: int = Field(100_00, ge=1)
    default_max_tier: int = Field(10, ge=1, le=100)
    default_max_term_days: int = Field(366, ge=1)
    default_spread: Decimal = Decimal("0.0050")

    # --- the district programme (work plan 三、四.4、四.12) ---
    #: issuing a voucher requires a core enterprise on the white list
    whitelist_required_for_issue: bool = True
    #: the month the yearly white-list renewal round opens, and the days it stays open
    whitelist_renewal_month: int = Field(1, ge=1, le=12)
    whitelist_renewal_days: int = Field(30, ge=1, le=180)
    #: what a black-list entry of each severity bars (JSON, e.g. {"minor": ["finance"], …}); actions: onboard,
    #: issue, receive, transfer, finance
    blacklist_effects: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_BLACKLIST_EFFECTS}
    )
    #: the minimum listing period by severity in months before a credit repair may remove an entry
    blacklist_min_months: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_BLACKLIST_MIN_MONTHS))
    #: the platform's own overdue: the daily job proposes (never lists) a black-list entry for a core enterprise
    #: whose voucher is overdue beyond this many days, for the district office to confirm
    blacklist_overdue_days: int = Field(90, ge=1, le=3650)
    #: the 2027 targets (三、工作目标)
    target_date: dt.date = dt.date(2027, 12, 31)
    target_key_chain_financing_fen: int = Field(50_000_000_000_00, ge=1)
    target_products: int = Field(10, ge=1)
    target_core_enterprises: int = Field(50, ge=1)
    target_yearly_credit_fen: int = Field(10_000_000_000_00, ge=1)

    # --- tamper evidence and payments ---
    hash_algorithm: Literal["sha256", "sm3"] = "sha256"
    payments: Literal["simulated", "batch"] = "simulated"
    max_upload_bytes: int = 20 * 1024 * 1024
    #: an OFD upload (a ZIP container) is refused when its entries would inflate beyond this, or number more
    ofd_max_uncompressed_bytes: int = Field(100 * 1024 * 1024, ge=1)
    ofd_max_entries: int = Field(2000, ge=1)

    # --- HTTP API ---
    #: requests per minute per principal (or client IP when anonymous); a sliding window kept in each
    #: process, so N processes behind a balancer allow up to N times this
    api_rate_limit_per_minute: int = Field(600, ge=1)
    #: login attempts per minute per client address (API and console together), per process; each user
    #: name is throttled on top of this (``services/accounts.py``)
    login_attempts_per_minute: int = Field(30, ge=1)
    #: the deployment is served over HTTPS: cookies go out ``Secure`` and answers carry HSTS. Unset, it is
    #: on in production and off elsewhere (where an ``https`` request still gets both); ``false`` turns it
    #: off in production too (plain HTTP on a closed network)
    session_cookie_secure: bool | None = None

    @property
    def served_over_https(self) -> bool:
        """``session_cookie_secure``, or production when it is not set."""
        if self.session_cookie_secure is not None:
            return self.session_cookie_secure
        return self.environment == "production"

    @model_validator(mode="after")
    def _blacklist_settings_name_known_severities_and_actions(self) -> Settings:
        for name, table in (
            ("BLACKLIST_EFFECTS", self.blacklist_effects),
            ("BLACKLIST_MIN_MONTHS", self.blacklist_min_months),
        ):
            unknown = sorted(set(table) - set(SEVERITIES))
            if unknown or set(table) != set(SEVERITIES):
                raise ValueError(
                    f"{ENV_PREFIX}{name} must name each severity ({', '.join(SEVERITIES)}) once; got {sorted(table)}"
                )
        for severity, actions in self.blacklist_effects.items():
            bad = sorted(set(actions) - set(RESTRICTABLE))
            if bad:
                raise ValueError(
                    f"{ENV_PREFIX}BLACKLIST_EFFECTS[{severity}] names unknown actions {bad}; "
                    f"known: {', '.join(RESTRICTABLE)}"
                )
        if any(m < 0 for m in self.blacklist_min_months.values()):
            raise ValueError(f"{ENV_PREFIX}BLACKLIST_MIN_MONTHS must not be negative")
        return self

    @model_validator(mode="after")
    def _production_needs_a_secret(self) -> Settings:
        key = self.secret_key.get_secret_value()
        if not key.strip():
            raise ValueError(
                f"{ENV_PREFIX}SECRET_KEY is empty; set it to a random string of at least {MIN_SECRET_LENGTH} characters"
            )
        if self.environment == "production" and (key == DEFAULT_SECRET or len(key) < MIN_SECRET_LENGTH):
            raise ValueError(
                f"{ENV_PREFIX}SECRET_KEY must be a random string of at least {MIN_SECRET_LENGTH} "
                "characters, not the development default, when LIANRONG_ENVIRONMENT=production "
                "(e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        if self.long_term_months > self.max_term_months:
            raise ValueError(f"{ENV_PREFIX}LONG_TERM_MONTHS must not exceed {ENV_PREFIX}MAX_TERM_MONTHS")
        return self


def secure_transport(settings: object | None, scheme: str) -> bool:
    """Whether an answer is on HTTPS as far as cookies (``Secure``) and HSTS go: the request came over
    ``https``, or the deployment says it is served over HTTPS (``Settings.served_over_https``)."""
    return scheme == "https" or bool(getattr(settings, "served_over_https", False))


class SettingsInvalid(Exception):
    """The environment's settings are refused; ``problems`` has one line each, naming the variable."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def problems_of(exc: ValidationError) -> list[str]:
    """One line per refused setting, ``LIANRONG_NAME: what is wrong`` (a rule over several settings names
    them in its message)."""
    lines = []
    for error in exc.errors():
        message = error["msg"].removeprefix("Value error, ")
        loc = [str(part) for part in error.get("loc", ()) if isinstance(part, str)]
        lines.append(f"{ENV_PREFIX}{loc[0].upper()}: {message}" if loc else message)
    return lines


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment; ``SettingsInvalid`` when refused."""
    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsInvalid(problems_of(exc)) from None
