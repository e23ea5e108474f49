"""Commands of vouchers (``lianrong …``): each parses, calls one use case, renders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.text import Text
from rich.tree import Tree

from lianrong.cli import (
    As,
    Db,
    Json,
    Key,
    Today,
    actor_of,
    command,
    context,
    err,
    key_or_new,
    out,
    parse_date,
    plain,
    progress,
    show,
)
from lianrong.kernel.errors import ValidationFailed
from lianrong.kernel.money import amount_in_words, format_yuan, parse_yuan
from lianrong.vouchers import issuance
from lianrong.vouchers.policy import explain_warnings

voucher_app = typer.Typer(help="Vouchers / 凭据", no_args_is_help=True)


audit_app = typer.Typer(help="Audit: invariants and tamper evidence / 审计", no_args_is_help=True)


@voucher_app.command("prepare")
@command
def voucher_prepare(
    bank: str,
    supplier: str,
    contract: str,
    amount: Annotated[str, typer.Option(help="yuan")],
    maturity: Annotated[str, typer.Option()],
    invoice: Annotated[list[str], typer.Option(help="INVOICE_ID[:YUAN]; repeat")],
    reason: Annotated[str | None, typer.Option(help="why a term over 6 months")] = None,
    db: Db = None,
    user: As = None,
    key: Key = None,
    today: Today = None,
    as_json: Json = False,
) -> None:
    """Prepare a voucher to a tier-1 supplier (maker); another user approves it."""
    from lianrong.vouchers import issuance as issuance

    ctx = context(db, today)
    fen = parse_yuan(amount)
    allocs = []
    for item in invoice:
        iid, _, yuan = item.partition(":")
        allocs.append({"invoice_id": iid, "amount_fen": parse_yuan(yuan) if yuan else fen})
    result = issuance.prepare(
        ctx,
        actor=actor_of(ctx, user),
        bank=bank,
        supplier=supplier,
        contract_id=contract,
        invoices=allocs,
        amount_fen=fen,
        maturity_on=parse_date(maturity),
        long_term_reason=reason,
        idempotency_key=key_or_new(key),
    )
    show(result, as_json)
    if not as_json:  # each warning in words: a rolled maturity names both dates
        for w in explain_warnings(
            list(result.warnings),
            requested=result.requested_maturity or result.maturity_on,
            maturity=result.maturity_on,
        ):
            out.print(Text(f"warning {w.code}: {w.message_zh} / {w.message_en}"), soft_wrap=True)


@voucher_app.command("approve")
@command
def voucher_approve(
    voucher: str, db: Db = None, user: As = None, key: Key = None, today: Today = None, as_json: Json = False
) -> None:
    """Approve (checker) a prepared voucher: it is issued."""

    ctx = context(db, today)
    show(issuance.approve(ctx, actor=actor_of(ctx, user), voucher_id=voucher, idempotency_key=key_or_new(key)), as_json)


@voucher_app.command("bank-approve")
@command
def voucher_bank_approve(voucher: str, db: Db = None, user: As = None, key: Key = None, as_json: Json = False) -> None:
    """The bank approves a term over six months."""

    ctx = context(db)
    show(
        issuance.bank_approve_term(ctx, actor=actor_of(ctx, user), voucher_id=voucher, idempotency_key=key_or_new(key)),
        as_json,
    )


@voucher_app.command("reject")
@command
def voucher_reject(
    voucher: str,
    reason: Annotated[str, typer.Option("--reason", help="why it is rejected (required)")],
    db: Db = None,
    user: As = None,
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Reject a prepared voucher (--reason required); its invoice allocations are freed."""

    ctx = context(db)
    show(
        issuance.reject(
            ctx, actor=actor_of(ctx, user), voucher_id=voucher, reason=reason, idempotency_key=key_or_new(key)
        ),
        as_json,
    )


@voucher_app.command("list")
@command
def voucher_list(core: str | None = None, status: str | None = None, db: Db = None, as_json: Json = False) -> None:
    """List vouchers."""
    from lianrong.platform.context import SYSTEM
    from lianrong.vouchers import queries

    show(
        list(queries.vouchers(context(db), viewer=SYSTEM, core=core, status=status, limit=100).items),
        as_json,
        ["id", "number", "status", "face_fen", "issue_on", "maturity_on"],
    )


@voucher_app.command("show")
@command
def voucher_show(voucher: str, db: Db = None, as_json: Json = False) -> None:
    """Show a voucher and its whole fragment tree."""
    from lianrong.platform.context import SYSTEM
    from lianrong.vouchers import lineage

    data = plain(lineage.voucher_tree(context(db), viewer=SYSTEM, voucher_id=voucher))
    if as_json:
        show(data, True)
        return
    v = data["voucher"]
    head = Text(
        f"{v['number']} {format_yuan(v['face_fen'])} ({amount_in_words(v['face_fen'])}) "
        f"maturity {v['maturity_on']} [{v['status']}]",
        style="bold",
    )

    def label(f: dict[str, Any]) -> Text:
        return Text(f"{f['id']} T{f['tier']} {f['holder_name']} {format_yuan(f['amount_fen'])} [{f['status']}]")

    if (data["depth"] + 1) * 4 > out.width // 2:
        # Rich draws four columns of guide per level and cuts what passes the width: a deep tree (each partial
        # transfer nests the remainder one level deeper) prints one line per part, depth-first, its level first
        out.print(head)
        out.print(f"({data['depth']} levels deep: one line per part, a part before its children, its level first)")
        width = len(str(data["depth"]))
        for f in data["nodes"]:
            out.print(Text(f"{f['depth']:>{width}} ") + label(f))
        return
    tree = Tree(head)
    parents: dict[str | None, Tree] = {None: tree}  # nodes come depth-first: a parent before its children
    for f in data["nodes"]:
        parents[f["id"]] = parents[f["parent_id"]].add(label(f))
    out.print(tree)


@command
def holdings(
    party: str,
    all_: Annotated[bool, typer.Option("--all", help="include spent/settled")] = False,
    db: Db = None,
    user: As = None,
    as_json: Json = False,
) -> None:
    """A party's voucher fragments (with --as: only those in that user's scope, as the API shows them)."""
    from lianrong.platform.context import SYSTEM
    from lianrong.vouchers import queries

    ctx = context(db)
    viewer = actor_of(ctx, user) if user else SYSTEM
    show(
        list(queries.holdings(ctx, viewer=viewer, party=party, include_closed=all_, limit=None).items),
        as_json,
        ["id", "number", "tier", "amount_fen", "status", "maturity_on"],
    )


@command
def transfer(
    fragment: str,
    to: Annotated[list[str], typer.Option(help="RECIPIENT:YUAN[:CONTRACT]; repeat")],
    db: Db = None,
    user: As = None,
    key: Key = None,
    today: Today = None,
    as_json: Json = False,
) -> None:
    """Split a fragment and transfer parts upstream; the remainder stays with you."""
    from lianrong.vouchers import service as vouchers

    ctx = context(db, today)
    parts = []
    for item in to:
        bits = item.split(":")
        if len(bits) not in (2, 3):
            raise ValidationFailed(reason=f"--to must be RECIPIENT:YUAN[:CONTRACT], got {item}")
        part = {"recipient": bits[0], "amount_fen": parse_yuan(bits[1])}
        if len(bits) == 3:
            part["contract_id"] = bits[2]
        parts.append(part)
    show(
        vouchers.transfer(
            ctx, actor=actor_of(ctx, user), fragment_id=fragment, parts=parts, idempotency_key=key_or_new(key)
        ),
        as_json,
    )


@command
def lineage_cmd(fragment: str, db: Db = None, as_json: Json = False) -> None:
    """Print the path from the issuing trade to a fragment (穿透): tiers, holders, documents."""
    from lianrong.platform.context import SYSTEM
    from lianrong.vouchers import lineage

    data = plain(lineage.lineage(context(db), viewer=SYSTEM, fragment_id=fragment))
    if as_json:
        show(data, True)
        return
    v = data["voucher"]
    out.print(
        Text(
            f"凭据 Voucher {v['number']} issued by {v['core_name']}: {format_yuan(v['face_fen'])} "
            f"({amount_in_words(v['face_fen'])}), {v['issue_on']} → {v['maturity_on']} [{v['status']}]",
            style="bold",
        )
    )
    for step in data["path"]:
        out.print(
            Text(
                f"  └ tier {step['tier']}: {step['holder_name']} holds {format_yuan(step['amount_fen'])} "
                f"[{step['status']}]  {step['id']}"
            )
        )
        trade = step["trade"]
        if trade:
            c = trade["contract"]
            invoices = ", ".join((i["code"] or "") + i["number"] for i in trade["invoices"]) or "—"
            out.print(
                Text(
                    f"      contract {c['number']} ({format_yuan(c['amount_fen'])}, due {c['due_on']}); "
                    f"invoices: {invoices}; files: {len(trade['attachments'])}"
                )
            )


@audit_app.command("verify")
@command
def audit_verify(
    db: Db = None,
    file: Annotated[Path | None, typer.Option("--file", help="verify an export offline")] = None,
    as_json: Json = False,
) -> None:
    """Check the six ledger invariants; exit 3 naming the first violation."""
    from lianrong.vouchers import audit

    if file:
        result = audit.verify_file(path=file)
    else:
        with progress("verifying", None, quiet=as_json) as advance:
            result = audit.verify(context(db), progress=advance)
    if as_json:
        show(result, True)
    if result.ok:
        if not as_json:
            c = result.counts
            out.print(
                f"[green]OK[/] — {c.get('voucher', 0)} vouchers, {c.get('fragments', 0)} fragments, "
                f"{c.get('operations', 0)} operations, {c.get('invoice', 0)} invoices, "
                f"{c.get('credit_line', 0)} credit lines: all six invariants hold / 六项不变量全部成立"
            )
        return
    v = result.violation
    assert v is not None  # not ok: a violation was found
    err.print(
        f"[bold red]VIOLATION[/] invariant {v.invariant} at {escape(v.ref)}: {escape(v.message_en)}\n"
        f"不变量{v.invariant}被破坏（{escape(v.ref)}）：{escape(v.message_zh)}",
        soft_wrap=True,
    )
    raise typer.Exit(3)


@audit_app.command("export")
@command
def audit_export(path: Path, db: Db = None) -> None:
    """Write the ledger to a file that `audit verify --file` checks offline."""
    from lianrong.vouchers import audit

    r = audit.export(context(db), path=path)
    out.print(f"{r.records} records written to {r.path}")


@audit_app.command("checkpoint")
@command
def audit_checkpoint(db: Db = None, as_json: Json = False) -> None:
    """Record a checkpoint hash over all voucher chain heads."""
    from lianrong.vouchers import audit

    show(audit.checkpoint(context(db)), as_json)
