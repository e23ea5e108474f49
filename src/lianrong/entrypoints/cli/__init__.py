"""The ``lianrong`` command line: thin Typer commands that parse, call one service, and render.

Every command takes ``--db URL`` (overrides ``LIANRONG_DATABASE_URL``); mutating commands take
``--as USER`` (who acts; default: the system operator) and ``--key`` (idempotency key; default: a new
one per invocation, so pass your own to make a retry safe). Amounts are in yuan (``12345.67``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from lianrong import bootstrap
from lianrong.kernel.errors import LianRongError, ValidationFailed
from lianrong.kernel.money import amount_in_words, format_yuan, parse_yuan
from lianrong.kernel.policy import explain_warnings
from lianrong.platform.context import SYSTEM, Actor, Context, back_dated
from lianrong.settings import SettingsInvalid

app = typer.Typer(help="LianRong 链融 — supply-chain finance platform / 供应链金融平台", no_args_is_help=True,
                  pretty_exceptions_enable=False)
voucher_app = typer.Typer(help="Vouchers / 凭据", no_args_is_help=True)
finance_app = typer.Typer(help="Financing / 融资", no_args_is_help=True)
party_app = typer.Typer(help="Parties, users, onboarding / 主体、用户、开户", no_args_is_help=True)
doc_app = typer.Typer(help="Contracts and invoices / 合同与发票", no_args_is_help=True)
audit_app = typer.Typer(help="Audit: invariants and tamper evidence / 审计", no_args_is_help=True)
pay_app = typer.Typer(help="Payment instructions / 支付指令", no_args_is_help=True)
db_app = typer.Typer(help="Database schema / 数据库", no_args_is_help=True)
report_app = typer.Typer(help="Reports and monitoring / 报告与监测", no_args_is_help=True)
admin_app = typer.Typer(help="Administrators: the first one of a new installation / 管理员", no_args_is_help=True)
user_app = typer.Typer(help="User accounts: passwords / 用户账户", no_args_is_help=True)
calendar_app = typer.Typer(help="Official holidays and make-up workdays / 法定节假日与调休", no_args_is_help=True)
app.add_typer(voucher_app, name="voucher")
app.add_typer(finance_app, name="finance")
app.add_typer(party_app, name="party")
app.add_typer(doc_app, name="doc")
app.add_typer(audit_app, name="audit")
app.add_typer(pay_app, name="payments")
app.add_typer(db_app, name="db")
app.add_typer(report_app, name="report")
app.add_typer(admin_app, name="admin")
app.add_typer(user_app, name="user")
app.add_typer(calendar_app, name="calendar")

out = Console()
if not out.is_terminal and "COLUMNS" not in os.environ:
    # a pipe or a file: lay text and trees out 200 wide instead of Rich's default 80, so a lineage
    # line (holder, amount, status, id) stays one line for grep and the like
    out.width = 200
err = Console(stderr=True)

Db = Annotated[Optional[str], typer.Option("--db", help="Database URL (overrides LIANRONG_DATABASE_URL)")]
As = Annotated[Optional[str], typer.Option("--as", help="User name acting (default: system)")]
Key = Annotated[Optional[str], typer.Option("--key", help="Idempotency key (default: a new one)")]
Today = Annotated[Optional[str], typer.Option("--today", help="Business date to act on (YYYY-MM-DD), for back-dated "
                                              "runs: not after today's")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON")]


def _date(value: str | None, what: str = "date") -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(reason=f"{what} must be YYYY-MM-DD: {value}") from None


def _ctx(db: str | None, today: str | None = None) -> Context:
    ctx = bootstrap.build(database_url=db)
    if today:
        ctx.clock = back_dated(ctx.clock, _date(today, "--today"))  # type: ignore[arg-type]
    return ctx


def _actor(ctx: Context, username: str | None) -> Actor:
    if not username:
        return SYSTEM
    from lianrong.parties.service import actor_for

    return actor_for(ctx, username)


def _key(key: str | None) -> str:
    return key or f"cli-{uuid.uuid4()}"


def _print(data: Any, as_json: bool, cols: list[str] | None = None) -> None:
    if as_json or not isinstance(data, (dict, list)):
        out.print_json(json.dumps(data, ensure_ascii=False, default=str))
        return
    rows = data if isinstance(data, list) else [data]
    if not rows:
        out.print("(none / 无)")
        return
    _table(rows, cols)
    if isinstance(data, dict):
        # what a change made (a transfer's new fragments, a settlement's instructions, …): a table each
        for name, value in data.items():
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                out.print(f"{name}:")
                _table(value, None)


def _table(rows: list[dict], cols: list[str] | None) -> None:
    cols = cols or [c for c in rows[0].keys() if not isinstance(rows[0][c], (dict, list))]
    if not cols:
        return
    table = Table(show_lines=False)
    cells = [[_cell(c, r.get(c)) for c in cols] for r in rows]
    need = 1  # the left border; each column adds its width, padding and a border
    for i, c in enumerate(cols):
        natural = max(cell_len(_header(c)), *(cell_len(row[i]) for row in cells))
        if _whole(c):
            # an id is copied into the next command and an amount is read digit by digit: never cut or
            # wrapped; the other columns may wrap down to a dozen characters
            table.add_column(_header(c), no_wrap=True, min_width=natural,
                             justify="right" if c.endswith("_fen") else "left")
            need += natural + 3
        else:
            table.add_column(_header(c), min_width=min(natural, 12), overflow="fold")
            need += min(natural, 12) + 3
    for row in cells:
        table.add_row(*row)
    # wider than the console when it must be (a terminal wraps the lines; nothing is cut)
    width = out.width
    out.width = max(need, width)
    try:
        out.print(table, crop=False)
    finally:
        out.width = width


def _whole(col: str) -> bool:
    """Columns printed whole: ids, numbers and amounts."""
    return col in ("id", "number", "uscc") or col.endswith(("_id", "_fen", "_number"))


def _header(col: str) -> str:
    """A column's heading: amounts are printed in yuan (``_cell``), so their heading says so."""
    return col[:-4] + " (元)" if col.endswith("_fen") else col


@contextlib.contextmanager
def _progress(label: str, total: int | None, *, quiet: bool):
    """A rich progress bar on stderr for long work; yields the advance callback."""
    if quiet or not err.is_terminal:
        yield lambda n=1: None
        return
    with Progress(*Progress.get_default_columns(), console=err, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n=1: bar.advance(task, n)


def _cell(col: str, value: Any) -> str:
    if value is None:
        return ""
    if col.endswith("_fen") and isinstance(value, int):
        return format_yuan(value)
    return escape(str(value))  # user text such as "测试[/]公司" is data, never Rich markup


def command(fn):
    """Render domain refusals as code + Chinese + English messages, exit status 1; refused settings as one
    line each (``LIANRONG_NAME: …``), exit status 2."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except SettingsInvalid as exc:
            for problem in exc.problems:
                err.print(Text(f"configuration refused: {problem}"), soft_wrap=True)
            raise typer.Exit(2) from None
        except LianRongError as exc:
            # one line each, never wrapped: scripts and people read the code and the message on line one
            err.print(f"[bold red]{exc.code}[/]: {escape(exc.message_zh)}\n{escape(exc.message_en)}", soft_wrap=True)
            if exc.details.get("rows"):
                for row in exc.details["rows"][:50]:
                    err.print(Text(f"  - {row}"), soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper


# --- database and demo -------------------------------------------------------------------------


@db_app.command("upgrade")
@command
def db_upgrade(db: Db = None) -> None:
    """Create or migrate the schema to the newest revision."""
    from lianrong.adapters.db import migrate

    ctx = bootstrap.build(database_url=db, migrate_schema=False)
    migrate.upgrade(ctx.engine)
    out.print(f"schema at {migrate.current(ctx.engine)}")


@db_app.command("current")
@command
def db_current(db: Db = None) -> None:
    """Print the schema revision."""
    from lianrong.adapters.db import migrate

    ctx = bootstrap.build(database_url=db, migrate_schema=False)
    out.print(migrate.current(ctx.engine) or "(empty database)")


@app.command()
@command
def demo(db: Db = None, as_json: Json = False) -> None:
    """Seed the Pinggu egg-chicken chain (峪口禽业 at ICBC Pinggu); safe to run twice."""
    from lianrong.entrypoints.demo import seed

    ctx = _ctx(db)
    result = seed(ctx, echo=None if as_json else out.print)
    if as_json:
        _print(result, True)
    else:
        out.print(", ".join(f"{k}: {n}" for k, n in result["counts"].items()))


@app.command()
@command
def serve(db: Db = None, host: str = "127.0.0.1", port: int = 8000,
          workers: Annotated[int, typer.Option(min=1, max=64, help="worker processes, each with its own "
                                               "listening socket on the port (SO_REUSEPORT)")] = 1) -> None:
    """Start the HTTP API and console (uvicorn)."""
    from lianrong.entrypoints.api.serve import serve as run

    _ctx(db)  # migrate once, before any worker starts
    out.print(f"LianRong 链融 serving on http://{host}:{port}/  (API: /api/v1, docs: /api/v1/docs)"
              + (f", {workers} workers" if workers > 1 else ""))
    code = run(bootstrap.http_app, (db,), host=host, port=port, workers=workers)
    if code:
        raise typer.Exit(code)


# --- parties -----------------------------------------------------------------------------------


@party_app.command("add")
@command
def party_add(kind: Annotated[str, typer.Option(help="enterprise | bank")], uscc: Annotated[str, typer.Option()],
              name: Annotated[str, typer.Option()], db: Db = None, key: Key = None, as_json: Json = False) -> None:
    """Register an enterprise or bank by its 统一社会信用代码."""
    from lianrong.parties import service as parties

    _print(parties.register_party(_ctx(db), kind=kind, uscc=uscc, name=name, idempotency_key=_key(key)), as_json)


@party_app.command("list")
@command
def party_list(kind: Optional[str] = None, db: Db = None, as_json: Json = False) -> None:
    """List parties."""
    from lianrong.parties import service as parties

    _print(parties.list_parties(_ctx(db), kind=kind), as_json, ["id", "kind", "uscc", "name"])


@party_app.command("user")
@command
def party_user(party: str, username: str, role: str = "operator", name: Optional[str] = None,
               db: Db = None, key: Key = None, as_json: Json = False) -> None:
    """Add a user (operator, approver, viewer, admin) to an organisation."""
    from lianrong.parties import service as parties

    _print(parties.add_user(_ctx(db), party=party, username=username, display_name=name or username, role=role,
                            idempotency_key=_key(key)), as_json)


PasswordStdin = Annotated[bool, typer.Option("--password-stdin", help="read the password from the first line of "
                                            "standard input (for scripts) instead of prompting twice")]


def _new_password(from_stdin: bool) -> str:
    """A new password: the first line of standard input, or typed twice at a hidden prompt."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("Password / 密码", hide_input=True, confirmation_prompt="Repeat / 再次输入密码", err=True)


@admin_app.command("create")
@command
def admin_create(
    username: Annotated[str, typer.Option(help="the administrator's user name")] = "admin",
    display_name: Annotated[Optional[str], typer.Option(help="shown in the console (default: the user name)")] = None,
    office_name: Annotated[Optional[str], typer.Option(help="the district office's name, when it is not registered yet")] = None,
    office_uscc: Annotated[Optional[str], typer.Option(help="its 统一社会信用代码 (asked when needed)")] = None,
    password_stdin: PasswordStdin = False, db: Db = None, as_json: Json = False,
) -> None:
    """Create an administrator of the district office (registering the office when there is none): the first
    user of a new installation, who then registers parties and adds users (API ``POST /parties``, …)."""
    from lianrong.parties import service as parties

    ctx = _ctx(db)
    if parties.district_office(ctx) is None and not office_uscc:
        if password_stdin:  # a script: nothing to ask
            raise ValidationFailed(reason="no district office yet: give --office-name and --office-uscc "
                                          "/ 尚无区金融办：请提供 --office-name 和 --office-uscc")
        office_name = office_name or typer.prompt("District office name / 区金融办名称", err=True)
        office_uscc = typer.prompt("Its USCC / 统一社会信用代码", err=True)
    result = parties.create_district_admin(ctx, username=username, password=_new_password(password_stdin),
                                           display_name=display_name, office_name=office_name,
                                           office_uscc=office_uscc)
    if as_json:
        _print(result, True)
        return
    office, user = result["party"], result["user"]
    out.print(f"{'registered' if office['created'] else 'district office'}: {escape(office['name'])} "
              f"({office['uscc']}, {office['id']})")
    out.print(f"administrator {escape(user['username'])} created ({user['id']}); log in at /login "
              f"/ 管理员已创建，请登录")


@user_app.command("set-password")
@command
def user_set_password(username: str, password_stdin: PasswordStdin = False, db: Db = None) -> None:
    """Set (or reset) a user's password; its failed logins are forgotten (any login delay ends)."""
    from lianrong.accounts import service as accounts
    from lianrong.parties import service as parties

    ctx = _ctx(db)
    parties.actor_for(ctx, username)  # an unknown user is refused before any password is asked
    accounts.set_password(ctx, username=username, password=_new_password(password_stdin))
    out.print(f"password of {escape(username)} set / 密码已设置")


@party_app.command("onboard")
@command
def party_onboard(bank: str, party: str, account: Annotated[Optional[str], typer.Option()] = None,
                  ebanking: bool = False, certificate: Optional[str] = None, db: Db = None, user: As = None,
                  key: Key = None, as_json: Json = False) -> None:
    """Record a party's settlement account, e-banking and U盾 at a bank."""
    from lianrong.parties import service as parties

    ctx = _ctx(db)
    _print(parties.onboard(ctx, actor=_actor(ctx, user), bank=bank, party=party, settlement_account=account,
                           ebanking=ebanking, certificate=certificate, idempotency_key=_key(key)), as_json)


@party_app.command("designate")
@command
def party_designate(bank: str, core: str, max_ratio: Optional[str] = None, max_term_days: Optional[int] = None,
                    min_split: Annotated[Optional[str], typer.Option(help="yuan")] = None,
                    max_tier: Optional[int] = None, spread: Optional[str] = None, db: Db = None, user: As = None,
                    key: Key = None, as_json: Json = False) -> None:
    """Designate a core enterprise (核定核心企业) or update its financing parameters (those not given are kept)."""
    from lianrong.parties import service as parties

    ctx = _ctx(db)
    _print(parties.designate_core(ctx, actor=_actor(ctx, user), bank=bank, core=core, max_ratio=max_ratio,
                                  max_term_days=max_term_days,
                                  min_split_fen=parse_yuan(min_split) if min_split else None,
                                  max_tier=max_tier, spread=spread, idempotency_key=_key(key)), as_json)


@party_app.command("ledger")
@command
def party_ledger(bank: str, core: str, suppliers: list[str], db: Db = None, user: As = None, key: Key = None,
                 as_json: Json = False) -> None:
    """Import suppliers (ids or USCCs) into the bank's customer ledger of a core enterprise."""
    from lianrong.parties import service as parties

    ctx = _ctx(db)
    _print(parties.import_ledger(ctx, actor=_actor(ctx, user), bank=bank, core=core,
                                 suppliers=[{"supplier": s} for s in suppliers], idempotency_key=_key(key)), as_json)


@party_app.command("lpr")
@command
def party_lpr(bank: str, rate: str, effective: str, db: Db = None, user: As = None, key: Key = None,
              as_json: Json = False) -> None:
    """Record a bank's LPR entry (e.g. 3.0%) in force from a date."""
    from lianrong.parties import service as parties

    ctx = _ctx(db)
    _print(parties.set_lpr(ctx, actor=_actor(ctx, user), bank=bank, effective_on=_date(effective), rate=rate,
                           idempotency_key=_key(key)), as_json)


@app.command("credit")
@command
def credit_grant(bank: str, core: str, limit: Annotated[str, typer.Option(help="yuan")],
                 valid_from: Annotated[str, typer.Option("--from")], valid_to: Annotated[str, typer.Option("--to")],
                 db: Db = None, user: As = None, key: Key = None, as_json: Json = False) -> None:
    """Grant a core enterprise a credit line."""
    from lianrong.credit import service as credit

    ctx = _ctx(db)
    _print(credit.grant_line(ctx, actor=_actor(ctx, user), bank=bank, core=core, limit_fen=parse_yuan(limit),
                             valid_from=_date(valid_from), valid_to=_date(valid_to), idempotency_key=_key(key)),
           as_json)


@app.command("lines")
@command
def credit_lines(core: Optional[str] = None, db: Db = None, as_json: Json = False) -> None:
    """Credit lines with occupation."""
    from lianrong.credit import service as credit

    _print(credit.list_lines(_ctx(db), core=core), as_json,
           ["id", "core_id", "limit_fen", "occupied_fen", "available_fen", "valid_to"])


# --- documents ---------------------------------------------------------------------------------


@doc_app.command("contract")
@command
def doc_contract(buyer: str, seller: str, number: str, amount: Annotated[str, typer.Option(help="yuan")],
                 signed: Annotated[str, typer.Option()], due: Annotated[str, typer.Option()],
                 non_cash: Annotated[bool, typer.Option("--non-cash/--cash-only")] = True,
                 attach: Annotated[Optional[list[Path]], typer.Option(help="PDF/JPG/PNG/OFD file")] = None,
                 db: Db = None, user: As = None, key: Key = None, as_json: Json = False) -> None:
    """Record a trade contract (buyer buys from seller)."""
    from lianrong.documents import service as documents

    ctx = _ctx(db)
    actor = _actor(ctx, user)
    shas = [documents.upload(ctx, actor=actor, content=p.read_bytes(), filename=p.name,
                             idempotency_key=_key(None))["sha256"] for p in attach or []]
    _print(documents.add_contract(ctx, actor=actor, buyer=buyer, seller=seller, number=number,
                                  amount_fen=parse_yuan(amount), signed_on=_date(signed), due_on=_date(due),
                                  non_cash_agreed=non_cash, attachments=shas, idempotency_key=_key(key)), as_json)


@doc_app.command("confirm")
@command
def doc_confirm(contract: str, db: Db = None, user: As = None, key: Key = None, as_json: Json = False) -> None:
    """Confirm a contract that another enterprise recorded naming yours (until then it is unconfirmed)."""
    from lianrong.documents import service as documents

    ctx = _ctx(db)
    _print(documents.confirm_contract(ctx, actor=_actor(ctx, user), contract_id=contract, idempotency_key=_key(key)),
           as_json)


@doc_app.command("invoice")
@command
def doc_invoice(contract: str, number: str, amount: Annotated[str, typer.Option(help="yuan")],
                issued: Annotated[str, typer.Option()], code: Optional[str] = None,
                db: Db = None, user: As = None, key: Key = None, as_json: Json = False) -> None:
    """Record an invoice (20-digit 数电票, or legacy --code + 8-digit number) under a contract."""
    from lianrong.documents import service as documents

    ctx = _ctx(db)
    _print(documents.add_invoice(ctx, actor=_actor(ctx, user), contract_id=contract, number=number, code=code,
                                 amount_fen=parse_yuan(amount), issued_on=_date(issued), idempotency_key=_key(key)),
           as_json)


# --- vouchers ----------------------------------------------------------------------------------


@voucher_app.command("prepare")
@command
def voucher_prepare(bank: str, supplier: str, contract: str, amount: Annotated[str, typer.Option(help="yuan")],
                    maturity: Annotated[str, typer.Option()],
                    invoice: Annotated[list[str], typer.Option(help="INVOICE_ID[:YUAN]; repeat")],
                    reason: Annotated[Optional[str], typer.Option(help="why a term over 6 months")] = None,
                    db: Db = None, user: As = None, key: Key = None, today: Today = None, as_json: Json = False) -> None:
    """Prepare a voucher to a tier-1 supplier (maker); another user approves it."""
    from lianrong.vouchers import service as vouchers

    ctx = _ctx(db, today)
    fen = parse_yuan(amount)
    allocs = []
    for item in invoice:
        iid, _, yuan = item.partition(":")
        allocs.append({"invoice_id": iid, "amount_fen": parse_yuan(yuan) if yuan else fen})
    result = vouchers.prepare(ctx, actor=_actor(ctx, user), bank=bank, supplier=supplier, contract_id=contract,
                              invoices=allocs, amount_fen=fen, maturity_on=_date(maturity), long_term_reason=reason,
                              idempotency_key=_key(key))
    _print(result, as_json)
    if not as_json:  # each warning in words: a rolled maturity names both dates
        requested = result.get("requested_maturity") or result["maturity_on"]
        maturity_on = _date(result["maturity_on"])
        for w in explain_warnings(result["warnings"], requested=_date(requested), maturity=maturity_on):
            out.print(Text(f"warning {w['code']}: {w['message_zh']} / {w['message_en']}"), soft_wrap=True)


@voucher_app.command("approve")
@command
def voucher_approve(voucher: str, db: Db = None, user: As = None, key: Key = None, today: Today = None,
                    as_json: Json = False) -> None:
    """Approve (checker) a prepared voucher: it is issued."""
    from lianrong.vouchers import service as vouchers

    ctx = _ctx(db, today)
    _print(vouchers.approve(ctx, actor=_actor(ctx, user), voucher_id=voucher, idempotency_key=_key(key)), as_json)


@voucher_app.command("bank-approve")
@command
def voucher_bank_approve(voucher: str, db: Db = None, user: As = None, key: Key = None, as_json: Json = False) -> None:
    """The bank approves a term over six months."""
    from lianrong.vouchers import service as vouchers

    ctx = _ctx(db)
    _print(vouchers.bank_approve_term(ctx, actor=_actor(ctx, user), voucher_id=voucher, idempotency_key=_key(key)),
           as_json)


@voucher_app.command("reject")
@command
def voucher_reject(voucher: str, reason: Annotated[str, typer.Option("--reason", help="why it is rejected (required)")],
                   db: Db = None, user: As = None, key: Key = None, as_json: Json = False) -> None:
    """Reject a prepared voucher (--reason required); its invoice allocations are freed."""
    from lianrong.vouchers import service as vouchers

    ctx = _ctx(db)
    _print(vouchers.reject(ctx, actor=_actor(ctx, user), voucher_id=voucher, reason=reason,
                           idempotency_key=_key(key)), as_json)


@voucher_app.command("list")
@command
def voucher_list(core: Optional[str] = None, status: Optional[str] = None, db: Db = None, as_json: Json = False) -> None:
    """List vouchers."""
    from lianrong.vouchers import service as vouchers

    _print(vouchers.list_vouchers(_ctx(db), core=core, status=status), as_json,
           ["id", "number", "status", "face_fen", "issue_on", "maturity_on"])


@voucher_app.command("show")
@command
def voucher_show(voucher: str, db: Db = None, as_json: Json = False) -> None:
    """Show a voucher and its whole fragment tree."""
    from lianrong.vouchers import lineage

    data = lineage.voucher_tree(_ctx(db), voucher_id=voucher)
    if as_json:
        _print(data, True)
        return
    v = data["voucher"]
    head = Text(f"{v['number']} {format_yuan(v['face_fen'])} ({amount_in_words(v['face_fen'])}) "
                f"maturity {v['maturity_on']} [{v['status']}]", style="bold")

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


@app.command()
@command
def holdings(party: str, all_: Annotated[bool, typer.Option("--all", help="include spent/settled")] = False,
             db: Db = None, user: As = None, as_json: Json = False) -> None:
    """A party's voucher fragments (with --as: only those in that user's scope, as the API shows them)."""
    from lianrong.vouchers import service as vouchers

    ctx = _ctx(db)
    actor = _actor(ctx, user) if user else None
    _print(vouchers.holdings(ctx, party=party, include_closed=all_, actor=actor), as_json,
           ["id", "number", "tier", "amount_fen", "status", "maturity_on"])


@app.command()
@command
def transfer(fragment: str, to: Annotated[list[str], typer.Option(help="RECIPIENT:YUAN[:CONTRACT]; repeat")],
             db: Db = None, user: As = None, key: Key = None, today: Today = None, as_json: Json = False) -> None:
    """Split a fragment and transfer parts upstream; the remainder stays with you."""
    from lianrong.vouchers import service as vouchers

    ctx = _ctx(db, today)
    parts = []
    for item in to:
        bits = item.split(":")
        if len(bits) not in (2, 3):
            raise ValidationFailed(reason=f"--to must be RECIPIENT:YUAN[:CONTRACT], got {item}")
        part = {"recipient": bits[0], "amount_fen": parse_yuan(bits[1])}
        if len(bits) == 3:
            part["contract_id"] = bits[2]
        parts.append(part)
    _print(vouchers.transfer(ctx, actor=_actor(ctx, user), fragment_id=fragment, parts=parts,
                             idempotency_key=_key(key)), as_json)


@app.command("lineage")
@command
def lineage_cmd(fragment: str, db: Db = None, as_json: Json = False) -> None:
    """Print the path from the issuing trade to a fragment (穿透): tiers, holders, documents."""
    from lianrong.vouchers import lineage

    data = lineage.lineage(_ctx(db), fragment_id=fragment)
    if as_json:
        _print(data, True)
        return
    v = data["voucher"]
    out.print(Text(f"凭据 Voucher {v['number']} issued by {v['core_name']}: {format_yuan(v['face_fen'])} "
                   f"({amount_in_words(v['face_fen'])}), {v['issue_on']} → {v['maturity_on']} [{v['status']}]",
                   style="bold"))
    for step in data["path"]:
        out.print(Text(f"  └ tier {step['tier']}: {step['holder_name']} holds {format_yuan(step['amount_fen'])} "
                       f"[{step['status']}]  {step['id']}"))
        trade = step.get("trade")
        if trade:
            c = trade["contract"]
            invoices = ", ".join((i["code"] or "") + i["number"] for i in trade["invoices"]) or "—"
            out.print(Text(f"      contract {c['number']} ({format_yuan(c['amount_fen'])}, due {c['due_on']}); "
                           f"invoices: {invoices}; files: {len(trade['attachments'])}"))


# --- financing ---------------------------------------------------------------------------------


@finance_app.command("preview")
@command
def finance_preview(fragments: list[str], bank: Optional[str] = None,
                    principal: Annotated[Optional[str], typer.Option(help="yuan")] = None, db: Db = None,
                    user: As = None, today: Today = None, as_json: Json = False) -> None:
    """Interest and net proceeds before applying."""
    from lianrong.financing import service as financing
    from lianrong.platform.common import jsonable

    ctx = _ctx(db, today)
    _print(jsonable(financing.preview(ctx, actor=_actor(ctx, user), fragment_ids=fragments, bank=bank,
                                      principal_fen=parse_yuan(principal) if principal else None)), as_json)


@finance_app.command("apply")
@command
def finance_apply(fragments: list[str], bank: Optional[str] = None,
                  principal: Annotated[Optional[str], typer.Option(help="yuan")] = None, db: Db = None,
                  user: As = None, key: Key = None, today: Today = None, as_json: Json = False) -> None:
    """Apply to finance fragments (discounting, interest collected up front)."""
    from lianrong.financing import service as financing

    ctx = _ctx(db, today)
    _print(financing.apply(ctx, actor=_actor(ctx, user), fragment_ids=fragments, bank=bank,
                           principal_fen=parse_yuan(principal) if principal else None, idempotency_key=_key(key)),
           as_json)


@finance_app.command("review")
@command
def finance_review(financing_id: str, approve: Annotated[bool, typer.Option("--approve/--reject")] = True,
                   contract_ok: bool = False, invoices_ok: bool = False, documents_ok: bool = False,
                   registration: Optional[str] = None, reason: Optional[str] = None, db: Db = None,
                   user: As = None, key: Key = None, as_json: Json = False) -> None:
    """Bank review of trade authenticity; approve or reject."""
    from lianrong.financing import service as financing

    ctx = _ctx(db)
    _print(financing.review(ctx, actor=_actor(ctx, user), financing_id=financing_id, approve=approve,
                            checklist={"contract": contract_ok, "invoices": invoices_ok, "documents": documents_ok},
                            registration_no=registration, reason=reason, idempotency_key=_key(key)), as_json)


@finance_app.command("register")
@command
def finance_register(financing_id: str, number: str, db: Db = None, user: As = None, key: Key = None,
                     as_json: Json = False) -> None:
    """Record the 中登网 registration number (time: now)."""
    from lianrong.financing import service as financing

    ctx = _ctx(db)
    _print(financing.register(ctx, actor=_actor(ctx, user), financing_id=financing_id, registration_no=number,
                              idempotency_key=_key(key)), as_json)


@finance_app.command("disburse")
@command
def finance_disburse(financing_id: str, db: Db = None, user: As = None, key: Key = None, today: Today = None,
                     as_json: Json = False) -> None:
    """Disburse an approved, registered financing."""
    from lianrong.financing import service as financing

    ctx = _ctx(db, today)
    _print(financing.disburse(ctx, actor=_actor(ctx, user), financing_id=financing_id, idempotency_key=_key(key)),
           as_json)


@finance_app.command("list")
@command
def finance_list(bank: Optional[str] = None, status: Optional[str] = None, db: Db = None, as_json: Json = False) -> None:
    """List financings."""
    from lianrong.financing import service as financing

    _print(financing.list_financings(_ctx(db), bank=bank, status=status), as_json,
           ["id", "status", "principal_fen", "interest_fen", "net_fen", "annual_rate", "maturity_on"])


@finance_app.command("show")
@command
def finance_show(financing_id: str, db: Db = None) -> None:
    """A financing with its fragments and trade documents."""
    from lianrong.financing import service as financing

    _print(financing.get_financing(_ctx(db), financing_id=financing_id), True)


# --- settlement and payments -------------------------------------------------------------------


@app.command()
@command
def settle(date: Annotated[Optional[str], typer.Option("--date", help="settle vouchers due on or before this date "
                                                         "(default: today; never after today)")] = None,
           db: Db = None, today: Today = None, as_json: Json = False) -> None:
    """Pay every final holder of the vouchers due on or before the date and not yet settled; unpaid → overdue.

    A date after today's business date (Beijing) is refused: vouchers are never settled before they mature.
    Safe to rerun (a part is paid at most once).
    """
    from lianrong.settlement import service as settlement

    ctx = _ctx(db, today)
    on = settlement.settlement_date(ctx, _date(date))
    due = len(settlement.due_vouchers(ctx, on=on))
    with _progress(f"settling {on}", due, quiet=as_json) as advance:
        result = settlement.settle(ctx, on=on, progress=advance)
    _print(result, as_json)


@pay_app.command("list")
@command
def pay_list(status: Optional[str] = None, kind: Optional[str] = None, db: Db = None, as_json: Json = False) -> None:
    """List payment instructions."""
    from lianrong.settlement import payments

    _print(payments.list_instructions(_ctx(db), status=status, kind=kind), as_json,
           ["id", "kind", "amount_fen", "value_on", "status", "reference"])


@pay_app.command("export")
@command
def pay_export(path: Path, status: str = "pending", db: Db = None) -> None:
    """Export instructions as a bank batch file (.csv or .xlsx)."""
    from lianrong.settlement import payments

    n = payments.export_file(_ctx(db), path=path, status=status)
    out.print(f"{n} instructions written to {path}")


@pay_app.command("confirm")
@command
def pay_confirm(path: Path, db: Db = None, user: As = None, key: Key = None, as_json: Json = False) -> None:
    """Import a bank's confirmation file (all rows or none)."""
    from lianrong.settlement import payments

    ctx = _ctx(db)
    _print(payments.import_confirmations(ctx, actor=_actor(ctx, user), path=path, idempotency_key=_key(key)),
           as_json)


@pay_app.command("retry")
@command
def pay_retry(voucher: str, db: Db = None, user: As = None, key: Key = None, as_json: Json = False) -> None:
    """Resubmit an overdue voucher's failed settlement payments."""
    from lianrong.settlement import payments

    ctx = _ctx(db)
    _print(payments.retry_failed(ctx, actor=_actor(ctx, user), voucher_id=voucher, idempotency_key=_key(key)),
           as_json)


@pay_app.command("fund")
@command
def pay_fund(party: str, amount: Annotated[str, typer.Option(help="yuan")], db: Db = None, key: Key = None,
             as_json: Json = False) -> None:
    """Credit a simulated bank account (demo/test only)."""
    from lianrong.settlement import payments

    _print(payments.fund(_ctx(db), party=party, amount_fen=parse_yuan(amount), idempotency_key=_key(key)), as_json)


@pay_app.command("balances")
@command
def pay_balances(db: Db = None, as_json: Json = False) -> None:
    """Balances of the simulated bank accounts."""
    from lianrong.settlement import payments

    _print(payments.balances(_ctx(db)), as_json)


# --- the official calendar ---------------------------------------------------------------------


@calendar_app.command("load")
@command
def calendar_load(path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV: date, kind, name")],
                  db: Db = None, user: As = None, key: Key = None, as_json: Json = False) -> None:
    """Load the State Council's holiday schedule into the calendar (all rows or none; safe to rerun).

    CSV columns date (YYYY-MM-DD), kind (holiday or 休: a day off; workday or 班: a make-up working day) and
    name, with or without a header row. Maturities already computed are kept; the open vouchers whose
    maturity would now roll to another day are listed.
    """
    from lianrong.calendar import service as calendar

    ctx = _ctx(db)
    result = calendar.load(ctx, actor=_actor(ctx, user), content=path.read_bytes(), idempotency_key=_key(key))
    if as_json:
        _print(result, True)
        return
    out.print(Text(f"{result['rows']} days from {result['first']} to {result['last']}: {result['inserted']} new, "
                   f"{result['updated']} changed, {result['unchanged']} unchanged / 共{result['rows']}天：新增"
                   f"{result['inserted']}，变更{result['updated']}，未变{result['unchanged']}"), soft_wrap=True)
    changed = result["vouchers"]
    if changed:
        out.print(Text(f"{len(changed)} vouchers keep their maturity but would now roll to another day / "
                       f"{len(changed)}张凭据到期日保持不变，但按新日历将顺延至其他日期："), soft_wrap=True)
        _table(changed, ["id", "number", "status", "requested_maturity", "maturity_on", "would_be"])


@calendar_app.command("list")
@command
def calendar_list(year: Annotated[Optional[int], typer.Option(help="one year")] = None, db: Db = None,
                  as_json: Json = False) -> None:
    """The official holidays and make-up workdays loaded."""
    from lianrong.calendar import service as calendar
    from lianrong.platform.common import jsonable

    _print(jsonable(calendar.list_days(_ctx(db), year=year)), as_json, ["day", "kind", "name"])


# --- audit -------------------------------------------------------------------------------------


@report_app.command("splits")
@command
def report_splits(core: Annotated[Optional[str], typer.Option(help="core enterprise (id or USCC)")] = None,
                  bank: Annotated[Optional[str], typer.Option(help="bank (id or USCC)")] = None,
                  voucher: Annotated[Optional[str], typer.Option(help="one voucher")] = None,
                  closed: Annotated[bool, typer.Option("--closed", help="include settled and overdue vouchers")] = False,
                  flagged: Annotated[bool, typer.Option("--flagged", help="only vouchers with a finding")] = False,
                  limit: Annotated[int, typer.Option(min=1, max=10_000)] = 200, db: Db = None, user: As = None,
                  as_json: Json = False) -> None:
    """Split depth and unusual splitting per voucher (77号): tiers, parts, bursts, circular flows."""
    from lianrong.vouchers import splits

    ctx = _ctx(db)
    report = splits.split_report(ctx, actor=_actor(ctx, user), core=core, bank=bank, voucher_id=voucher,
                                 include_closed=closed, flagged_only=flagged, limit=limit)
    if as_json:
        _print(report, True)
        return
    rows = [{**{k: i[k] for k in ("voucher_id", "number", "core_name", "status", "fragments", "transfers",
                                  "active_parts", "depth")},
             "tier": f"{i['max_tier']}/{i['allowed_tier'] if i['allowed_tier'] is not None else '—'}",
             "findings": ", ".join(f["code"] for f in i["findings"]) or "—"} for i in report["items"]]
    _print(rows, False)
    for i in report["items"]:
        for f in i["findings"]:
            detail = ", ".join(f"{k}={v}" for k, v in f.items() if k not in ("code", "message_zh", "message_en"))
            out.print(Text(f"{i['number']} {f['code']}: {f['message_zh']} / {f['message_en']} ({detail})"),
                      soft_wrap=True)
    sm = report["summary"]
    out.print(Text(f"{sm['vouchers']} vouchers, {sm['flagged']} with findings / 共{sm['vouchers']}张凭据，"
                   f"{sm['flagged']}张有异常提示" + (f"; showing {len(rows)} of {report['total']}"
                                                   if report["total"] > len(rows) else "")), soft_wrap=True)


@audit_app.command("verify")
@command
def audit_verify(db: Db = None, file: Annotated[Optional[Path], typer.Option("--file", help="verify an export offline")] = None,
                 as_json: Json = False) -> None:
    """Check the six ledger invariants; exit 3 naming the first violation."""
    from lianrong.vouchers import audit

    if file:
        result = audit.verify_file(path=file)
    else:
        with _progress("verifying", None, quiet=as_json) as advance:
            result = audit.verify(_ctx(db), progress=advance)
    if as_json:
        _print(result, True)
    if result["ok"]:
        if not as_json:
            c = result["counts"]
            out.print(f"[green]OK[/] — {c.get('voucher', 0)} vouchers, {c.get('fragments', 0)} fragments, "
                      f"{c.get('operations', 0)} operations, {c.get('invoice', 0)} invoices, "
                      f"{c.get('credit_line', 0)} credit lines: all six invariants hold / 六项不变量全部成立")
        return
    v = result["violation"]
    err.print(f"[bold red]VIOLATION[/] invariant {v['invariant']} at {escape(v['ref'])}: {escape(v['message_en'])}\n"
              f"不变量{v['invariant']}被破坏（{escape(v['ref'])}）：{escape(v['message_zh'])}", soft_wrap=True)
    raise typer.Exit(3)


@audit_app.command("export")
@command
def audit_export(path: Path, db: Db = None) -> None:
    """Write the ledger to a file that `audit verify --file` checks offline."""
    from lianrong.vouchers import audit

    r = audit.export(_ctx(db), path=path)
    out.print(f"{r['records']} records written to {r['path']}")


@audit_app.command("checkpoint")
@command
def audit_checkpoint(db: Db = None, as_json: Json = False) -> None:
    """Record a checkpoint hash over all voucher chain heads."""
    from lianrong.vouchers import audit

    _print(audit.checkpoint(_ctx(db)), as_json)


@app.command("job")
@command
def job(name: Annotated[str, typer.Argument(help="maturity-settlement | ledger-checkpoint | ledger-audit")],
        date: Annotated[Optional[str], typer.Option("--date", help="the job's date (default: today; never after "
                                                    "today)")] = None,
        db: Db = None, as_json: Json = False) -> None:
    """Run a named scheduled job (idempotent; for cron or a scheduler)."""
    from lianrong.entrypoints.jobs import JOBS

    if name not in JOBS:
        raise ValidationFailed(reason=f"unknown job {name}; known: {', '.join(JOBS)}")
    _print(JOBS[name](_ctx(db), on=_date(date)), as_json)


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
