"""Shared service mechanics: idempotent execution, lookups, and the voucher operation hash chain."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Row, Select, Table, func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from lianrong.adapters import jsoncodec
from lianrong.adapters.crypto import canonical_json, digest
from lianrong.adapters.db import tables as t
from lianrong.adapters.db.raw import Raw
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.kernel import errors
from lianrong.platform.context import SYSTEM, Actor, Context

SYSTEM_ACTOR = SYSTEM

Result = dict[str, Any]

T = TypeVar("T")


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
    try:  # a request of plain JSON values serializes as it is (what jsonable would hand over anyway)
        body = json.dumps({"op": operation, "req": request}, sort_keys=True, ensure_ascii=False)
    except TypeError:  # dates, decimals, rows
        body = json.dumps({"op": operation, "req": jsonable(request)}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass
class IdempotencyRecord:
    """The idempotency row a unit of work owes (``uow.idempotency`` while ``run_idempotent`` runs the body).

    A body that writes it together with its own writes (one statement on PostgreSQL) sets ``stored``;
    it must store ``response_json(result)`` of the result it returns, and report a key already taken
    (``INSERT … ON CONFLICT (key) DO NOTHING`` wrote no row) by raising ``KeyTaken``.
    """

    key: str
    operation: str
    request_hash: str
    stored: bool = False

    @staticmethod
    def response_json(result: Result) -> str:
        return jsoncodec.dumps(jsonable(result))


class KeyTaken(Exception):
    """Another request recorded this idempotency key first (optimistic mode)."""


_IDEMPOTENCY_INSERT = (
    "INSERT INTO idempotency (key, operation, request_hash, response, created_at) "
    "VALUES (:key, :op, :hash, :response, :at)"
)


def checked_idempotency_key(key: str | None) -> str:
    """An idempotency key as stored: present, stripped, at most 200 characters."""
    if key is None or not str(key).strip():
        raise errors.IdempotencyKeyMissing()
    key = str(key).strip()
    if len(key) > 200:
        raise errors.ValidationFailed(reason="idempotency key longer than 200 characters / 幂等键过长")
    return key


def run_idempotent(
    ctx: Context,
    *,
    key: str | None,
    operation: str,
    request: Mapping[str, Any],
    body: Callable[[UnitOfWork], Result],
    retries: int = 5,
    optimistic: bool = False,
    plain_result: bool = False,
) -> Result:
    """Run ``body`` in one unit of work, exactly once per idempotency key.

    A replay with the same request returns the first result; the same key with another request is
    refused; nothing is written when ``body`` raises.

    ``optimistic=True`` (hot paths whose body only touches the database): the key is not looked up
    first; it is claimed with the body's writes (``INSERT … ON CONFLICT DO NOTHING``), and a replay is
    recognised when the claim fails or the body refuses — its work is rolled back and the recorded
    result returned (or the request refused as a conflict). One statement (a round trip) less per call.
    Its first attempt runs in a ``single_write`` unit of work (fixed SQL on the DBAPI connection; on
    PostgreSQL no explicit transaction: the body reads, then writes in one self-guarding statement);
    after a conflict (another operation on the same voucher came first) the retries run in an ordinary
    transaction, where the body may lock what it reads, so a busy voucher cannot starve a request.

    ``plain_result=True``: the body returns only ``str``/``int``/``bool``/``None``, lists and str-keyed
    dicts, so its result is used as it is (no ``jsonable`` pass).
    """
    key = checked_idempotency_key(key)
    digest = request_hash(operation, request)
    single_write = optimistic
    for attempt in range(retries):
        try:
            with ctx.uow(single_write=single_write) as uow:
                raw = uow.raw
                if not optimistic:
                    prior = raw.one("SELECT request_hash, response FROM idempotency WHERE key = :key", {"key": key})
                    if prior is not None:
                        if prior[0] != digest:
                            raise errors.IdempotencyConflict(key=key)
                        return dict(raw.json_out(prior[1]))
                record = uow.idempotency = IdempotencyRecord(key, operation, digest)
                result = body(uow) if plain_result else jsonable(body(uow))
                if not record.stored:
                    params = {
                        "key": key,
                        "op": operation,
                        "hash": digest,
                        "response": raw.json_in(result),
                        "at": raw.ts(ctx.clock.now()),
                    }
                    if not optimistic:
                        raw.run(_IDEMPOTENCY_INSERT, params)
                    elif raw.run(_IDEMPOTENCY_INSERT + " ON CONFLICT (key) DO NOTHING", params) != 1:
                        raise KeyTaken()
                uow.commit()
                return result
        except KeyTaken:
            # optimistic: the key was recorded first by another request; our work is rolled back
            earlier = _recorded(ctx, key)
            if earlier is not None:
                if earlier[0] != digest:
                    raise errors.IdempotencyConflict(key=key) from None
                return earlier[1]
            if attempt == retries - 1:
                raise errors.Conflict() from None
        except IntegrityError:
            # a racing request with the same key (or a unique clash) won: look again, then retry
            if attempt == retries - 1:
                raise errors.Conflict() from None
        except OperationalError as exc:
            # serialization failure / deadlock / busy database: retry the whole use case
            if attempt == retries - 1 or not _retryable(exc):
                raise
        except errors.Conflict:
            single_write = False
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
        raw = uow.raw
        row = raw.one("SELECT request_hash, response FROM idempotency WHERE key = :key", {"key": key})
        return None if row is None else (row[0], dict(raw.json_out(row[1])))


def _retryable(exc: Exception) -> bool:
    """Serialization failures, deadlocks, a busy SQLite file, and a lost connection (a database restart):
    run again, on a new connection. Safe for a use case under an idempotency key even when the lost
    statement had committed: the retry finds the key recorded and returns the first result."""
    code = getattr(getattr(exc, "orig", exc), "sqlstate", None)
    return (
        code in ("40001", "40P01")
        or "database is locked" in str(exc)
        or bool(getattr(exc, "connection_invalidated", False))
    )


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
    plain: bool = False,
    at: Any = None,
) -> tuple[int, str]:
    """Append one operation to the voucher's hash chain; returns the new (seq, head hash).

    ``voucher`` (id, core_id, seq, head_hash, hash_algorithm) must have been read in this unit of work;
    a concurrent append is refused with a Conflict (the use case is then retried).

    ``plain=True``: the caller built ``payload`` itself from ``str``/``int``/``bool``/``None`` values, lists
    and str-keyed dicts only (ids and fen read from the database), so it is serialized as it is, without
    the conversion and validation passes (the same bytes, a hot path's worth of Python calls less).
    ``at``: the operation's time as ``uow.raw.ts`` gives it, when the caller has it already.
    """
    seq, text, h = chain_link(voucher, op=op, payload=payload, actor=actor, plain=plain)
    raw = uow.raw
    if (
        raw.run(
            "UPDATE voucher SET seq = :seq, head_hash = :h WHERE id = :id AND seq = :old",
            {"seq": seq, "h": h, "id": voucher.id, "old": voucher.seq},
        )
        != 1
    ):
        raise errors.Conflict()
    raw.run(
        "INSERT INTO voucher_op (voucher_id, seq, core_id, op, payload, prev_hash, hash, actor_id, at) "
        "VALUES (:v, :seq, :core, :op, :payload, :prev, :h, :actor, :at)",
        {
            "v": voucher.id,
            "seq": seq,
            "core": voucher.core_id,
            "op": op,
            "payload": text,
            "prev": voucher.head_hash,
            "h": h,
            "actor": actor.user_id,
            "at": at if at is not None else raw.ts(ctx.clock.now()),
        },
    )
    return seq, h


def chain_link(
    voucher: Any, *, op: str, payload: Mapping[str, Any], actor: Actor, plain: bool = False
) -> tuple[int, str, str]:
    """The next link of a voucher's hash chain: (seq, canonical payload text as stored, hash).

    ``append_op`` writes it; a hot path may write it itself (guarded on the voucher's ``seq`` the same way).
    """
    seq = voucher.seq + 1
    if plain:
        record = {"voucher": voucher.id, "seq": seq, "op": op, "actor": actor.user_id, "data": payload}
        text = jsoncodec.canonical(record)
    else:
        record = {"voucher": voucher.id, "seq": seq, "op": op, "actor": actor.user_id, "data": jsonable(dict(payload))}
        text = canonical_json(record)
    h = digest(voucher.head_hash.encode("ascii") + b"\n" + text, algorithm=voucher.hash_algorithm)
    return seq, text.decode("utf-8"), h


@dataclass(frozen=True)
class VoucherHead:
    """What the hash chain, settlement and the split rules need of a voucher (read by fixed SQL)."""

    id: str
    core_id: str
    bank_id: str
    status: str
    maturity_on: dt.date
    seq: int
    head_hash: str
    hash_algorithm: str
    credit_line_id: str | None
    face_fen: int


VOUCHER_HEAD_COLUMNS = (
    "id, core_id, bank_id, status, maturity_on, seq, head_hash, hash_algorithm, credit_line_id, face_fen"
)


def voucher_head(raw: Raw, row: tuple) -> VoucherHead:
    """A VoucherHead from a row of ``VOUCHER_HEAD_COLUMNS`` (in that order)."""
    return VoucherHead(row[0], row[1], row[2], row[3], raw.date(row[4]), *row[5:10])


def lock_voucher_head(uow: UnitOfWork, voucher_id: str) -> VoucherHead:
    """``lock_voucher`` by fixed SQL, for hot paths: the voucher's head, locked on PostgreSQL."""
    if not isinstance(voucher_id, str) or not voucher_id:
        raise errors.NotFound("voucher", voucher_id)
    raw = uow.raw
    row = raw.one(f"SELECT {VOUCHER_HEAD_COLUMNS} FROM voucher WHERE id = :id" + raw.lock(), {"id": voucher_id})
    if row is None:
        raise errors.NotFound("voucher", voucher_id)
    return voucher_head(raw, row)


def paged(
    uow: UnitOfWork, stmt: Select, *, limit: int, offset: int, convert: Callable[[Row], Result] = row_dict
) -> Result:
    """One page of a query's rows with the total count: ``{items, total, limit, offset}``."""
    total = uow.conn.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    rows = uow.conn.execute(stmt.limit(limit).offset(offset))
    return {"items": [convert(r) for r in rows], "total": total, "limit": limit, "offset": offset}
