"""Assertions shared by the engine tests: refusals are coded, bilingual and write nothing.

``snapshot`` reads every table of the schema in full (the test worlds are tiny), so "writes nothing"
means no row inserted, deleted *or updated* anywhere — stronger than comparing row counts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from lianrong.adapters.db import tables as t
from lianrong.kernel import errors
from lianrong.platform.context import Context

_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def snapshot(ctx: Context) -> dict[str, list[str]]:
    """Every row of every table, as sorted text: equal snapshots mean nothing was written."""
    out: dict[str, list[str]] = {}
    with ctx.uow(readonly=True) as uow:
        for table in t.metadata.sorted_tables:
            out[table.name] = sorted(repr(tuple(r)) for r in uow.conn.execute(select(table)))
    return out


def counts(ctx: Context) -> dict[str, int]:
    """Row counts of every table."""
    return {name: len(rows) for name, rows in snapshot(ctx).items()}


def assert_bilingual(err: errors.LianRongError) -> None:
    """A refusal carries a stable code and complete Chinese and English messages."""
    body = err.to_dict()
    assert re.fullmatch(r"[a-z_]+(\.[a-z_]+)+|[a-z_]+", body["code"]), body["code"]
    assert body["message_zh"].strip() and body["message_en"].strip()
    assert not _PLACEHOLDER.search(body["message_zh"]), body["message_zh"]
    assert not _PLACEHOLDER.search(body["message_en"]), body["message_en"]
    assert _CJK.search(body["message_zh"]), body["message_zh"]
    assert body["message_zh"] != body["message_en"]
    json.dumps(body, ensure_ascii=False)  # the one error body is always serialisable


def refuses(
    ctx: Context, code: str | tuple[str, ...], fn: Callable[..., Any], /, *args: Any, **kwargs: Any
) -> errors.LianRongError:
    """Call ``fn``; it must raise the coded, bilingual refusal ``code`` and leave the database as it was.

    ``code`` may be a tuple where either of two codes states the rule correctly.
    """
    before = snapshot(ctx)
    with pytest.raises(errors.LianRongError) as info:
        fn(*args, **kwargs)
    err = info.value
    allowed = code if isinstance(code, tuple) else (code,)
    assert err.code in allowed, f"expected {code}, got {err.code}: {err.message_en}"
    assert_bilingual(err)
    after = snapshot(ctx)
    changed = {k for k in before if before[k] != after[k]}
    assert not changed, f"refused call {code} wrote to {sorted(changed)}"
    return err


def row(ctx: Context, table: Any, id_: str) -> Any:
    """One row by id."""
    with ctx.uow(readonly=True) as uow:
        return uow.conn.execute(select(table).where(table.c.id == id_)).one()


def rows(ctx: Context, table: Any, *where: Any) -> list[Any]:
    """Rows of a table matching the conditions."""
    with ctx.uow(readonly=True) as uow:
        return list(uow.conn.execute(select(table).where(*where)))


def count(ctx: Context, table: Any, *where: Any) -> int:
    """How many rows of a table match the conditions."""
    with ctx.uow(readonly=True) as uow:
        return uow.conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def party_by_short_name(ctx: Context, short: str) -> str:
    """The id of the party with this short name (the demo's parties have one each)."""
    with ctx.uow(readonly=True) as uow:
        return uow.conn.execute(select(t.party.c.id).where(t.party.c.short_name == short)).scalar_one()


def balance(ctx: Context, party_id: str) -> int:
    """A party's simulated-bank balance in fen (0 when it has no account)."""
    with ctx.uow(readonly=True) as uow:
        return (
            uow.conn.execute(select(t.sim_account.c.balance_fen).where(t.sim_account.c.party_id == party_id)).scalar()
            or 0
        )


def occupied(ctx: Context, core_id: str) -> int:
    """Credit occupied on a core enterprise's lines."""
    with ctx.uow(readonly=True) as uow:
        return sum(
            r.occupied_fen for r in uow.conn.execute(select(t.credit_line).where(t.credit_line.c.core_id == core_id))
        )


def prepare_args(
    world: Any,
    amount_fen: int,
    *,
    invoice: str | None = None,
    maturity: Any = None,
    reason: str | None = None,
    actor: Any = None,
) -> dict[str, Any]:
    """Keyword arguments of ``vouchers.prepare`` for a core → s1 voucher (the invoice made beforehand)."""
    import datetime as dt

    return dict(
        actor=actor or world.user("core"),
        bank=world.ids["bank"],
        supplier=world.ids["s1"],
        contract_id=world.contracts[("core", "s1")],
        invoices=[{"invoice_id": invoice or world.invoice(amount_fen), "amount_fen": amount_fen}],
        amount_fen=amount_fen,
        maturity_on=maturity or dt.date(2027, 3, 15),
        long_term_reason=reason,
    )
