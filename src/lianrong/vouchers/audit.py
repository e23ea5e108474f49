"""Audit: verify the six ledger invariants on a live database, export the ledger, verify it offline.

The export is JSON Lines: a header, then every party's id, then every voucher with its fragments and
operation chain, then invoices with their allocations and credit lines with their uses; ``verify_file``
re-checks it with no database, so anyone holding the file can check the ledger.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from lianrong.adapters.crypto import digest
from lianrong.adapters.db import tables as t
from lianrong.financing import model as fin
from lianrong.kernel import errors
from lianrong.platform import scope
from lianrong.platform.common import jsonable
from lianrong.platform.context import Actor, Context
from lianrong.vouchers import errors as vouchers_errors
from lianrong.vouchers import invariants as inv
from lianrong.vouchers.model import VoucherStatus

FORMAT = "lianrong-ledger-export"


@dataclass(frozen=True, slots=True)
class AuditResult:
    """An audit's outcome: whether all six invariants hold, the first violation, and the records counted."""

    ok: bool
    violation: inv.Violation | None
    counts: Mapping[str, int]  # by kind of record (``voucher``, ``fragments``, ``operations``, …), those seen


@dataclass(frozen=True, slots=True)
class ExportResult:
    """A ledger export: the file written and how many records it holds (after the header)."""

    path: str
    records: int


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A checkpoint recorded: its id, how many voucher chain heads it hashes, and the hash."""

    id: str
    vouchers: int
    hash: str


def _rehash(prev: str, payload: str, algorithm: str) -> str:
    return digest(prev.encode("ascii") + b"\n" + payload.encode("utf-8"), algorithm=algorithm)


_V_COLS = ("id", "number", "core_id", "face_fen", "status", "seq", "head_hash", "hash_algorithm", "maturity_on")
_F_COLS = ("id", "voucher_id", "parent_id", "holder_id", "amount_fen", "tier", "status")
_O_COLS = ("voucher_id", "seq", "op", "payload", "prev_hash", "hash")


def _records(ctx: Context) -> Iterator[tuple[str, dict[str, Any]]]:
    """Stream the ledger as (kind, record) pairs, voucher by voucher."""
    with ctx.uow(readonly=True) as uow:
        conn = uow.conn
        for r in conn.execute(select(t.party.c.id).order_by(t.party.c.id)):
            yield "party", {"id": r.id}  # first: the holders every fragment below must name
        vouchers = conn.execution_options(yield_per=2000).execute(
            select(*[t.voucher.c[c] for c in _V_COLS]).order_by(t.voucher.c.id)
        )
        frags = conn.execution_options(yield_per=5000).execute(
            select(*[t.fragment.c[c] for c in _F_COLS]).order_by(t.fragment.c.voucher_id)
        )
        ops = conn.execution_options(yield_per=5000).execute(
            select(*[t.voucher_op.c[c] for c in _O_COLS]).order_by(t.voucher_op.c.voucher_id, t.voucher_op.c.seq)
        )
        # three ordered streams merged by voucher id (no per-voucher queries over a million rows)
        fbuf = _Peek(frags)
        obuf = _Peek(ops)
        for vrow in vouchers.mappings():
            v = jsonable(dict(vrow))
            yield (
                "voucher",
                {
                    **v,
                    "fragments": [jsonable(dict(r._mapping)) for r in fbuf.take(v["id"])],
                    "ops": [dict(r._mapping) for r in obuf.take(v["id"])],
                },
            )
        for extra in (fbuf.rest(), obuf.rest()):
            for r in extra:
                yield "orphan", jsonable(dict(r._mapping))
        alloc = defaultdict(int)
        for r in conn.execute(
            select(t.voucher_invoice.c.invoice_id, func.sum(t.voucher_invoice.c.amount_fen))
            .join(t.voucher, t.voucher.c.id == t.voucher_invoice.c.voucher_id)
            .where(t.voucher.c.status != VoucherStatus.REJECTED)
            .group_by(t.voucher_invoice.c.invoice_id)
        ):
            alloc[r[0]] = int(r[1])
        for r in conn.execute(select(t.invoice.c.id, t.invoice.c.amount_fen, t.invoice.c.allocated_fen)):
            yield (
                "invoice",
                {
                    "id": r.id,
                    "amount_fen": r.amount_fen,
                    "allocated_fen": r.allocated_fen,
                    "vouchers_fen": alloc.get(r.id, 0),
                },
            )
        uses = defaultdict(int)
        for r in conn.execute(
            select(t.financing.c.credit_line_id, func.sum(t.financing.c.occupied_fen))
            .where(t.financing.c.status.in_((fin.DISBURSED, fin.OVERDUE)), t.financing.c.credit_line_id.is_not(None))
            .group_by(t.financing.c.credit_line_id)
        ):
            uses[r[0]] += int(r[1])
        for r in conn.execute(
            select(t.voucher.c.credit_line_id, func.sum(t.voucher.c.face_fen))
            .where(
                t.voucher.c.status.in_((VoucherStatus.ACTIVE, VoucherStatus.OVERDUE)),
                t.voucher.c.credit_line_id.is_not(None),
            )
            .group_by(t.voucher.c.credit_line_id)
        ):
            uses[r[0]] += int(r[1])
        for r in conn.execute(select(t.credit_line.c.id, t.credit_line.c.limit_fen, t.credit_line.c.occupied_fen)):
            yield (
                "credit_line",
                {"id": r.id, "limit_fen": r.limit_fen, "occupied_fen": r.occupied_fen, "uses_fen": uses.get(r.id, 0)},
            )


class _Peek:
    """A sorted row stream from which the rows of one voucher are taken in turn."""

    def __init__(self, result: Any) -> None:
        self._it = iter(result)
        self._next = next(self._it, None)
        self._orphans: list[Any] = []

    def take(self, voucher_id: str) -> list[Any]:
        out = []
        while self._next is not None and self._next.voucher_id < voucher_id:
            self._orphans.append(self._next)  # rows of a voucher that does not exist
            self._next = next(self._it, None)
        while self._next is not None and self._next.voucher_id == voucher_id:
            out.append(self._next)
            self._next = next(self._it, None)
        return out

    def rest(self) -> list[Any]:
        rest = list(self._orphans)
        while self._next is not None:
            rest.append(self._next)
            self._next = next(self._it, None)
        return rest


def check_records(
    records: Iterator[tuple[str, dict[str, Any]]], progress: Callable[[int], None] | None = None
) -> tuple[inv.Violation | None, dict[str, int]]:
    """Run every invariant over a record stream; returns the first violation and counts."""
    counts: dict[str, int] = defaultdict(int)
    invoices, allocations, lines, uses = [], {}, [], {}
    parties: set[str] = set()  # empty for an export made before party records were written: not checked
    for kind, rec in records:
        counts[kind] += 1
        if kind == "party":
            parties.add(rec["id"])
        elif kind == "voucher":
            counts["fragments"] += len(rec["fragments"])
            counts["operations"] += len(rec["ops"])
            found = inv.check_voucher(rec, rec["fragments"], rec["ops"], rehash=_rehash)
            if not found and parties:
                found = inv.check_holders(rec["fragments"], parties)
            if found:
                return found, dict(counts)
            if progress:
                progress(1)
        elif kind == "orphan":
            return inv.Violation(
                2,
                str(rec.get("id") or rec.get("voucher_id")),
                "record of a voucher that does not exist",
                "记录所属凭据不存在",
            ), dict(counts)
        elif kind == "invoice":
            invoices.append(rec)
            allocations[rec["id"]] = rec["vouchers_fen"]
        elif kind == "credit_line":
            lines.append(rec)
            uses[rec["id"]] = rec["uses_fen"]
    found = inv.check_invoices(invoices, allocations) or inv.check_credit(lines, uses)
    return found, dict(counts)


def verify(ctx: Context, *, progress: Callable[[int], None] | None = None, actor: Actor | None = None) -> AuditResult:
    """Check all six invariants on the database; the first violation, if any, is named.

    With an ``actor``: only the overseers (district and chain offices) and the system, who see every record.
    """
    if actor is not None:
        with ctx.uow(readonly=True) as uow:
            if not scope.sees_everything(uow, actor):
                raise errors.Forbidden(
                    reason="only the district and chain offices audit the whole ledger / 仅区金融办和链办可审计全账"
                )
    violation, counts = check_records(_records(ctx), progress)
    return AuditResult(violation is None, violation, counts)


def export(ctx: Context, *, path: Path) -> ExportResult:
    """Write the whole ledger to a JSON Lines file that ``verify_file`` can check offline."""
    n = 0
    tmp = path.with_suffix(path.suffix + ".part")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps({"format": FORMAT, "version": 1, "exported_at": ctx.clock.now().isoformat()}) + "\n")
        for kind, rec in _records(ctx):
            fh.write(json.dumps({"kind": kind, **rec}, ensure_ascii=False) + "\n")
            n += 1
    tmp.replace(path)  # never leave half a file under the real name
    return ExportResult(str(path), n)


def verify_file(*, path: Path) -> AuditResult:
    """Check an exported ledger file offline."""
    try:
        fh = path.open(encoding="utf-8")
    except OSError as exc:
        raise vouchers_errors.AuditFileInvalid(reason=str(exc)) from None
    with fh:
        try:
            header = json.loads(fh.readline() or "{}")
        except json.JSONDecodeError:
            header = {}
        if header.get("format") != FORMAT:
            raise vouchers_errors.AuditFileInvalid(reason="not a LianRong ledger export / 不是链融台账导出文件")

        def stream() -> Iterator[tuple[str, dict[str, Any]]]:
            for lineno, line in enumerate(fh, start=2):
                try:
                    rec = json.loads(line)
                    yield rec.pop("kind"), rec
                except (json.JSONDecodeError, KeyError, AttributeError):
                    raise vouchers_errors.AuditFileInvalid(
                        reason=f"line {lineno} is not a record / 第{lineno}行格式错误"
                    ) from None

        try:
            violation, counts = check_records(stream())
        except (KeyError, TypeError) as exc:
            raise vouchers_errors.AuditFileInvalid(reason=f"record missing a field: {exc}") from None
    return AuditResult(violation is None, violation, counts)


def checkpoint(ctx: Context) -> Checkpoint:
    """Hash all voucher chain heads into one checkpoint record (periodic job)."""
    from sqlalchemy import insert

    from lianrong.kernel.ids import new_id

    with ctx.uow() as uow:
        heads = uow.conn.execute(select(t.voucher.c.id, t.voucher.c.head_hash).order_by(t.voucher.c.id)).all()
        h = digest("\n".join(f"{r.id}:{r.head_hash}" for r in heads).encode(), algorithm=ctx.hash_algorithm)
        cid = new_id("chk")
        uow.conn.execute(insert(t.checkpoint).values(id=cid, at=ctx.clock.now(), vouchers=len(heads), hash=h))
        uow.commit()
    return Checkpoint(cid, len(heads), h)
