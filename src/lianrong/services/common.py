"""Shared service mechanics: idempotent execution, lookups, and the voucher operation hash chain."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, Select, Table, func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from ..adapters.crypto import canonical_json, digest
from ..adapters.db import tables as t
from ..adapters.db.raw import Raw
from ..adapters.db.uow import UnitOfWork
from ..domain import errors
from .context import SYSTEM, Actor, Context

SYSTEM_ACTOR = SYSTEM

Result = dict[str, Any]


_PLAIN = (str, int, bool, float, type(None))


def jsonable(value: Any) -> Any:
    """Turn dates, decimals and rows into JSON-friendly values."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        return {str(k): jsonable(v) for k, v in value.items()}
    if kind is list:
        return [jsonable(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def row_dict(row: Row | None, *, drop: tuple[str, ...] = ()) -> Result:
    """A row as a JSON-friendly dict."""
    if row is None:
        return {}
    return {k: jsonable(v) for k, v in row._mapping.items() if k not in drop}


def request_hash(operation: str, request: Mapping[str, Any]) -> str:
    """Stable digest of an operation and its request body."""
    body = json.dumps({"op": operation, "req": jsonable(request)}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


def run_idempotent(
    ctx: Context,
    *,
    key: str | None,
    operation: str,
    request: Mapping[str, Any],
    body: Callable[[UnitOfWork], Result],
    retries: int = 5,
) -> Result:
    """Run ``body`` in one unit of work, exactly once per idempotency key.

    A replay with the same request returns the first result; the same key with another request is
    refused; nothing is written when ``body`` raises.
    """
    if key is None or not str(key).strip():
        raise errors.IdempotencyKeyMissing()
    key = str(key).strip()
    if len(key) > 200:
        raise errors.ValidationFailed(reason="idempotency key longer than 200 characters / 幂等键过长")
    digest = request_hash(operation, request)
    for attempt in range(retries):
        try:
            with ctx.uow() as uow:
                raw = Raw(uow.conn)
                prior = raw.one("SELECT request_hash, response FROM idempotency WHERE key = :key", {"key": key})
                if prior is not None:
                    if prior[0] != digest:
                        raise errors.IdempotencyConflict(key=key)
                    return dict(raw.json_out(prior[1]))
                result = jsonable(body(uow))
                raw.run("INSERT INTO idempotency (key, operation, request_hash, response, created_at) "
                        "VALUES (:key, :op, :hash, :response, :at)",
                        {"key": key, "op": operation, "hash": digest, "response": raw.json_in(result),
                         "at": raw.ts(ctx.clock.now())})
                uow.commit()
                return result
        except IntegrityError:
            # a racing request with the same key (or a unique clash) won: look again, then retry
            if attempt == retries - 1:
                raise errors.Conflict() from None
        except OperationalError as exc:
            # serialization failure / deadlock / busy database: retry the whole use case
            if attempt == retries - 1 or not _retryable(exc):
                raise
        except errors.Conflict:
            if attempt == retries - 1:
                raise
        except errors.LianRongError:
            # a replay that raced the first request (on PostgreSQL it waited on the same row lock and
            # now finds the work done) must still get the first result: look at the key once more
            earlier = _recorded(ctx, key)
            if earlier is None:
                raise
            if earlier[0] != digest:
                raise errors.IdempotencyConflict(key=key) from None
            return earlier[1]
    raise errors.Conflict()


def _recorded(ctx: Context, key: str) -> tuple[str, Result] | None:
    """The request hash and result recorded under an idempotency key, if any (committed)."""
    with ctx.uow(readonly=True) as uow:
        raw = Raw(uow.conn)
        row = raw.one("SELECT request_hash, response FROM idempotency WHERE key = :key", {"key": key})
        return None if row is None else (row[0], dict(raw.json_out(row[1])))


def _retryable(exc: Exception) -> bool:
    code = getattr(getattr(exc, "orig", exc), "sqlstate", None)
    return code in ("40001", "40P01") or "database is locked" in str(exc)


def get_or_raise(uow: UnitOfWork, table: Table, id_: str, entity: str, *, lock: bool = False) -> Row:
    """The row with this id, or a NotFound error naming the entity."""
    if not isinstance(id_, str) or not id_:
        raise errors.NotFound(entity, id_)
    stmt = select(table).where(table.c.id == id_)
    if lock and uow.dialect == "postgresql":
        stmt = stmt.with_for_update()
    row = uow.conn.execute(stmt).first()
    if row is None:
        raise errors.NotFound(entity, id_)
    return row


def resolve_party(uow: UnitOfWork, ref: str, *, kind: str | None = None) -> Row:
    """A party by id or by 统一社会信用代码."""
    if not isinstance(ref, str) or not ref.strip():
        raise errors.NotFound(kind or "party", ref)
    ref = ref.strip()
    col = t.party.c.id if "_" in ref else t.party.c.uscc
    row = uow.conn.execute(select(t.party).where(col == ref.upper() if col is t.party.c.uscc else col == ref)).first()
    if row is None:
        raise errors.NotFound(kind or "party", ref)
    if kind is not None and row.kind != kind:
        raise errors.WrongPartyKind(party=row.name, expected=kind)
    return row


def check_actor_party(actor: Actor, party_id: str, *, what: str) -> None:
    """The actor must act for this party."""
    if actor.role != "system" and actor.party_id != party_id:
        raise errors.Forbidden(reason=what)


def check_actor_role(actor: Actor, *roles: str) -> None:
    """The actor's role must be one of these (system always may)."""
    if actor.role != "system" and actor.role not in roles and actor.role != "admin":
        raise errors.Forbidden(reason=f"role {actor.role} may not do this / 角色无权操作")


def lock_voucher(uow: UnitOfWork, voucher_id: str) -> Row:
    """Read the voucher, locking its row on PostgreSQL (SQLite transactions are already exclusive)."""
    return get_or_raise(uow, t.voucher, voucher_id, "voucher", lock=True)


def append_op(
    ctx: Context,
    uow: UnitOfWork,
    *,
    voucher: Any,
    op: str,
    payload: Mapping[str, Any],
    actor: Actor,
) -> tuple[int, str]:
    """Append one operation to the voucher's hash chain; returns the new (seq, head hash).

    ``voucher`` (id, core_id, seq, head_hash, hash_algorithm) must have been read in this unit of work;
    a concurrent append is refused with a Conflict (the use case is then retried).
    """
    seq = voucher.seq + 1
    body = jsonable(dict(payload))
    record = {"voucher": voucher.id, "seq": seq, "op": op, "actor": actor.user_id, "data": body}
    text = canonical_json(record)
    h = digest(voucher.head_hash.encode("ascii") + b"\n" + text, algorithm=voucher.hash_algorithm)
    raw = Raw(uow.conn)
    if raw.run("UPDATE voucher SET seq = :seq, head_hash = :h WHERE id = :id AND seq = :old",
               {"seq": seq, "h": h, "id": voucher.id, "old": voucher.seq}) != 1:
        raise errors.Conflict()
    raw.run("INSERT INTO voucher_op (voucher_id, seq, core_id, op, payload, prev_hash, hash, actor_id, at) "
            "VALUES (:v, :seq, :core, :op, :payload, :prev, :h, :actor, :at)",
            {"v": voucher.id, "seq": seq, "core": voucher.core_id, "op": op, "payload": text.decode("utf-8"),
             "prev": voucher.head_hash, "h": h, "actor": actor.user_id, "at": raw.ts(ctx.clock.now())})
    return seq, h


def paged(uow: UnitOfWork, stmt: Select, *, limit: int, offset: int,
          convert: Callable[[Row], Result] = row_dict) -> Result:
    """One page of a query's rows with the total count: ``{items, total, limit, offset}``."""
    total = uow.conn.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    rows = uow.conn.execute(stmt.limit(limit).offset(offset))
    return {"items": [convert(r) for r in rows], "total": total, "limit": limit, "offset": offset}
