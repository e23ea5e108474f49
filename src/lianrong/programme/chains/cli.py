"""Commands of chains (``lianrong programme chains …``): each parses, calls one use case, renders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lianrong.cli import As, Db, Json, Key, actor_of, command, context, key_or_new, out, show

chains_app = typer.Typer(help="Industrial chains and their members / 产业链与链上成员", no_args_is_help=True)


@chains_app.command("list")
@command
def chains_list(db: Db = None, user: As = None, as_json: Json = False) -> None:
    """The chains (as the user may see them; default: the system, all of them) with their members' counts."""
    from lianrong.programme.chains import queries

    ctx = context(db)
    show(
        queries.chains(ctx, viewer=actor_of(ctx, user)),
        as_json,
        ["code", "name", "office_name", "key_chain", "active", "members", "leaders"],
    )


@chains_app.command("show")
@command
def chains_show(
    chain: Annotated[str, typer.Argument(help="the chain's id or code")],
    former: Annotated[bool, typer.Option("--former", help="also former members")] = False,
    db: Db = None,
    user: As = None,
    as_json: Json = False,
) -> None:
    """A chain: its members by tier and role, and the supply relations between them."""
    from lianrong.programme.chains import queries

    ctx = context(db)
    page = queries.chain(ctx, viewer=actor_of(ctx, user), chain=chain, former=former)
    if as_json:
        show(page, True)
        return
    c = page.chain
    out.print(f"{c.name} / {c.name_en} ({c.code}) — {c.office_name}: {c.members} members / 成员{c.members}家")
    show(page.members, False, ["tier", "role", "name", "uscc", "joined_on", "left_on", "note"])
    names = {n.id: n.name for n in page.nodes}
    show(
        [
            {
                "supplier": names.get(e.source, e.source),
                "buyer": names.get(e.target, e.target),
                "contracts": e.contracts,
                "contract_fen": e.contract_fen,
                "vouchers": e.vouchers,
                "voucher_fen": e.voucher_fen,
            }
            for e in page.edges
        ],
        False,
        ["supplier", "buyer", "contracts", "contract_fen", "vouchers", "voucher_fen"],
    )


@chains_app.command("members-import")
@command
def chains_members_import(
    chain: Annotated[str, typer.Argument(help="the chain's id or code")],
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="the members workbook (.xlsx)")],
    db: Db = None,
    user: As = None,
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Import a chain's members from a workbook: all rows or none, every problem listed by row."""
    from lianrong.programme.chains import members_xlsx

    ctx = context(db)
    result = members_xlsx.import_members_xlsx(
        ctx, actor=actor_of(ctx, user), chain=chain, content=path.read_bytes(), idempotency_key=key_or_new(key)
    )
    if as_json:
        show(result, True)
        return
    out.print(
        f"{result.rows} rows: {result.added} added, {result.updated} updated, {result.rejoined} rejoined, "
        f"{result.registered} enterprises registered / 共{result.rows}行：新增{result.added}，更新{result.updated}，"
        f"重新加入{result.rejoined}，新登记企业{result.registered}"
    )


@chains_app.command("members-export")
@command
def chains_members_export(
    chain: Annotated[str, typer.Argument(help="the chain's id or code")],
    path: Annotated[Path, typer.Argument(dir_okay=False, help="the workbook to write (.xlsx)")],
    former: Annotated[bool, typer.Option("--former", help="also former members")] = False,
    db: Db = None,
    user: As = None,
) -> None:
    """Write a chain's members to a workbook (the import's columns)."""
    from lianrong.adapters.spreadsheet import write_atomically
    from lianrong.programme.chains import members_xlsx

    ctx = context(db)
    data = members_xlsx.export_members_xlsx(ctx, viewer=actor_of(ctx, user), chain=chain, former=former)
    write_atomically(path, data)
    out.print(f"{path} ({len(data)} bytes)")
