"""The command line's kit: the common options (``--db``, ``--as``, ``--key``, ``--today``, ``--json``), the context
and the acting user, refusals rendered as code + Chinese + English, tables and progress."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import json
import uuid
from typing import Annotated, Any

import typer
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table
from rich.text import Text

from lianrong import bootstrap
from lianrong.kernel.errors import LianRongError, ValidationFailed
from lianrong.kernel.money import format_yuan
from lianrong.platform.common import jsonable
from lianrong.platform.context import SYSTEM, Actor, Context, back_dated
from lianrong.settings import SettingsInvalid

out = Console()


err = Console(stderr=True)


Db = Annotated[str | None, typer.Option("--db", help="Database URL (overrides LIANRONG_DATABASE_URL)")]


As = Annotated[str | None, typer.Option("--as", help="User name acting (default: system)")]


Key = Annotated[str | None, typer.Option("--key", help="Idempotency key (default: a new one)")]


Today = Annotated[
    str | None,
    typer.Option("--today", help="Business date to act on (YYYY-MM-DD), for back-dated runs: not after today's"),
]


Json = Annotated[bool, typer.Option("--json", help="Print JSON")]


def parse_date(value: str | None, what: str = "date") -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(reason=f"{what} must be YYYY-MM-DD: {value}") from None


def context(db: str | None, today: str | None = None) -> Context:
    ctx = bootstrap.build(database_url=db)
    if today:
        ctx.clock = back_dated(ctx.clock, parse_date(today, "--today"))  # type: ignore[arg-type]
    return ctx


def actor_of(ctx: Context, username: str | None) -> Actor:
    if not username:
        return SYSTEM
    from lianrong.parties.service import actor_for

    return actor_for(ctx, username)


def key_or_new(key: str | None) -> str:
    return key or f"cli-{uuid.uuid4()}"


def plain(data: Any) -> Any:
    """A read model's records (frozen dataclasses) as the JSON-friendly dicts the tables and JSON print."""

    if dataclasses.is_dataclass(data) and not isinstance(data, type):
        return jsonable(dataclasses.asdict(data))
    if isinstance(data, (list, tuple)) and any(dataclasses.is_dataclass(x) for x in data):
        return [plain(x) for x in data]
    return data


def show(data: Any, as_json: bool, cols: list[str] | None = None) -> None:
    data = plain(data)
    if as_json or not isinstance(data, (dict, list)):
        out.print_json(json.dumps(data, ensure_ascii=False, default=str))
        return
    rows = data if isinstance(data, list) else [data]
    if not rows:
        out.print("(none / 无)")
        return
    show_table(rows, cols)
    if isinstance(data, dict):
        # what a change made (a transfer's new fragments, a settlement's instructions, …): a table each
        for name, value in data.items():
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                out.print(f"{name}:")
                show_table(value, None)


def show_table(rows: list[dict], cols: list[str] | None) -> None:
    cols = cols or [c for c in rows[0] if not isinstance(rows[0][c], (dict, list))]
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
            table.add_column(
                _header(c), no_wrap=True, min_width=natural, justify="right" if c.endswith("_fen") else "left"
            )
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
def progress(label: str, total: int | None, *, quiet: bool):
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
