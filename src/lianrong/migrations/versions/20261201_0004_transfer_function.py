"""PostgreSQL: the transfer hot path as one server-side call, and ``lianrong_refuse``.

``lianrong_refuse(what)`` aborts the statement that calls it (SQLSTATE LR409, message ``what``): a
one-statement write that checks its guards in SQL calls it when one fails, and the server rolls back
every row the statement wrote.

``lianrong_transfer(...)`` is ``services.vouchers.transfer`` for the case where every rule passes, in one
round trip: it locks the voucher, checks the same rules as ``domain.vouchers.plan_split`` and the
transfer use case (holder, status, maturity, tier, minimum split, recipients, trade contracts,
onboarding), writes the spent fragment, the children, the hash-chain link (SHA-256, the canonical JSON of
``services.common.chain_link``) and the idempotency row, and returns the result as JSON. When any rule
fails it writes nothing and returns NULL: the service then runs its general path, which names the
refusal with its code and messages, so the reasons stay in one place (Python). Tests run every refusal
and the stateful ledger test on PostgreSQL through this function, and ``audit verify`` re-hashes the
links it wrote.

SQLite needs neither: its use cases run in a transaction that the service rolls back.

The function's text as this revision installs it is frozen in
``migrations/functions/lianrong_transfer.20261201_0004.sql`` (the later revisions read their own frozen
texts; the newest installs ``lianrong/vouchers/transfer.sql``).

Revision ID: 20261201_0004
Revises: 20261126_0003
Create Date: 2026-12-01 19:20:00

"""

from pathlib import Path
from typing import Sequence, Union

from alembic import op

revision: str = "20261201_0004"
down_revision: Union[str, Sequence[str], None] = "20261126_0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

#: the SQLSTATE raised; ``adapters.db.raw.GUARD_SQLSTATE`` names it for the services
GUARD_SQLSTATE = "LR409"

REFUSE = f"""
CREATE OR REPLACE FUNCTION lianrong_refuse(what text) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = '{GUARD_SQLSTATE}', MESSAGE = what;
END $$
"""


def _frozen(revision: str) -> str:
    """The text of ``lianrong_transfer`` as migration ``revision`` installed it (frozen beside the migrations)."""
    return (Path(__file__).parents[1] / "functions" / f"lianrong_transfer.{revision}.sql").read_text(encoding="utf-8")


def upgrade() -> None:
    """Upgrade schema."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(REFUSE)
    op.execute(_frozen("20261201_0004"))


def downgrade() -> None:
    """Downgrade schema."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "DROP FUNCTION IF EXISTS lianrong_transfer(text, text, text, text[], bigint[], text[], text[], date, "
        "timestamptz, text, text, text)"
    )
    op.execute("DROP FUNCTION IF EXISTS lianrong_refuse(text)")
