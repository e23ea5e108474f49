"""Hot-path SQL on the unit of work's own DBAPI connection, for SQLite and PostgreSQL alike.

SQLAlchemy Core costs ~100 µs per statement in Python (construction, cache keys, result proxies); a
transfer needs about ten statements and a durable SQLite commit costs ~250 µs, so on the few use cases
that run thousands of times a second (transfer, the hash chain, idempotency) we send fixed SQL strings
straight to the driver inside the same transaction. SQL is written once with ``:name`` parameters and
translated to the driver's style; values are converted at this boundary (dates and times as SQLite
stores them through SQLAlchemy, so both paths read each other's rows).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection
from sqlalchemy import exc as sa_exc

from lianrong.adapters import jsoncodec

_NAMED = re.compile(r"(?<![:\w]):(\w+)")

#: the SQLSTATE of ``lianrong_refuse(what)`` (PostgreSQL; migration 20261201_0004)
GUARD_SQLSTATE = "LR409"


class GuardFailed(Exception):
    """A one-statement write refused itself (``lianrong_refuse(what)``): the server rolled all of it back."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


@lru_cache(maxsize=512)
def _pyformat(sql: str) -> str:
    return _NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))


class Raw:
    """Fixed SQL on the DBAPI connection behind a SQLAlchemy connection (same transaction)."""

    __slots__ = ("pg", "_cur", "_dbapi")

    def __init__(self, conn: Connection | None = None, *, dialect: Any = None, dbapi_connection: Any = None) -> None:
        """On a SQLAlchemy connection, or directly on a DBAPI connection of ``dialect``."""
        if conn is not None:
            dialect, dbapi_connection = conn.dialect, conn.connection.dbapi_connection
        self.pg = dialect.name == "postgresql"
        self._dbapi = dialect.dbapi
        self._cur = dbapi_connection.cursor()  # type: ignore[union-attr]

    def _execute(self, sql: str, params: Any, *, many: bool = False) -> None:
        text = _pyformat(sql) if self.pg else sql
        try:
            if many:
                self._cur.executemany(text, params)
            else:
                self._cur.execute(text, params)
        except self._dbapi.IntegrityError as exc:  # type: ignore[union-attr]
            # the same exception types as the SQLAlchemy paths, so callers handle one family
            raise sa_exc.IntegrityError(sql, params, exc) from exc
        except self._dbapi.OperationalError as exc:  # type: ignore[union-attr]
            # as SQLAlchemy marks a lost connection, so callers may retry on a new one
            raise sa_exc.OperationalError(sql, params, exc, connection_invalidated=self._lost()) from exc
        except self._dbapi.DatabaseError as exc:  # type: ignore[union-attr]
            if getattr(exc, "sqlstate", None) == GUARD_SQLSTATE:
                raise GuardFailed(exc.diag.message_primary or "") from None
            raise sa_exc.DatabaseError(sql, params, exc) from exc

    def _lost(self) -> bool:
        """True when the driver's connection is gone (the server closed it, or the network failed)."""
        # sqlite3: the file does not go away under an open connection
        return self.pg and bool(self._cur.connection.closed)

    def one(self, sql: str, params: dict[str, Any]) -> tuple | None:
        """The first row of a query, or None."""
        self._execute(sql, params)
        return self._cur.fetchone()

    def all(self, sql: str, params: dict[str, Any]) -> list[tuple]:
        """All rows of a query."""
        self._execute(sql, params)
        return self._cur.fetchall()

    def run(self, sql: str, params: dict[str, Any]) -> int:
        """Execute a statement; returns the row count."""
        self._execute(sql, params)
        return self._cur.rowcount

    def many(self, sql: str, rows: list[dict[str, Any]]) -> None:
        """Execute a statement for each parameter set."""
        self._execute(sql, rows, many=True)

    def lock(self) -> str:
        """The row-lock suffix: ``FOR UPDATE`` on PostgreSQL (SQLite transactions are exclusive)."""
        return " FOR UPDATE" if self.pg else ""

    # --- values at the boundary ---

    def ts(self, value: dt.datetime) -> Any:
        """A timestamp as this database stores it."""
        if self.pg:
            return value
        return value.replace(tzinfo=None).isoformat(" ", "microseconds")  # as strftime("%Y-%m-%d %H:%M:%S.%f")

    def day(self, value: dt.date) -> Any:
        """A date as this database stores it."""
        return value if self.pg else value.isoformat()

    def placeholders(self, name: str, values: list[Any], params: dict[str, Any]) -> str:
        """``:name0, :name1, …`` for an ``IN (…)`` list, adding the values to ``params``."""
        keys = [f"{name}{i}" for i in range(len(values))]
        params.update(zip(keys, values, strict=True))
        return ", ".join(":" + k for k in keys)

    def date(self, value: Any) -> dt.date:
        """A date read back from this database."""
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)

    def timestamp(self, value: Any) -> dt.datetime:
        """A timestamp read back from this database (SQLite keeps text without a zone, in UTC)."""
        if isinstance(value, dt.datetime):
            return value
        return dt.datetime.fromisoformat(value)

    def json_in(self, value: Any) -> str:
        """A JSON document to store."""
        return jsoncodec.dumps(value)

    @staticmethod
    def json_out(value: Any) -> Any:
        """A JSON document read back (PostgreSQL's driver has already parsed it)."""
        return jsoncodec.loads(value) if isinstance(value, (str, bytes)) else value
