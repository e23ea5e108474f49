"""Typed settings (pydantic-settings, env prefix ``LIANRONG_``); every policy switch is named here."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me-development-only"


class Settings(BaseSettings):
    """Deployment settings. Regulation limits marked (cfg) in the product doc are fields here."""

    model_config = SettingsConfigDict(env_prefix="LIANRONG_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///lianrong.db"
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
    #: send the session cookie with ``Secure`` (HTTPS only); always on when environment is production
    session_cookie_secure: bool = False

    @model_validator(mode="after")
    def _production_needs_a_secret(self) -> Settings:
        if self.environment == "production" and self.secret_key.get_secret_value() == DEFAULT_SECRET:
            raise ValueError("LIANRONG_SECRET_KEY must be set to a real secret in production")
        if self.long_term_months > self.max_term_months:
            raise ValueError("long_term_months must not exceed max_term_months")
        return self


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
