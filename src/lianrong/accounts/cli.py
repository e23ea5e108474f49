"""Commands of accounts (``lianrong …``): each parses, calls one use case, renders."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape

from lianrong.cli import Db, Json, command, context, out, show
from lianrong.kernel.errors import ValidationFailed

admin_app = typer.Typer(help="Administrators: the first one of a new installation / 管理员", no_args_is_help=True)


user_app = typer.Typer(help="User accounts: passwords / 用户账户", no_args_is_help=True)


PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="read the password from the first line of standard input (for scripts) instead of prompting twice",
    ),
]


def _new_password(from_stdin: bool) -> str:
    """A new password: the first line of standard input, or typed twice at a hidden prompt."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("Password / 密码", hide_input=True, confirmation_prompt="Repeat / 再次输入密码", err=True)


@admin_app.command("create")
@command
def admin_create(
    username: Annotated[str, typer.Option(help="the administrator's user name")] = "admin",
    display_name: Annotated[str | None, typer.Option(help="shown in the console (default: the user name)")] = None,
    office_name: Annotated[
        str | None, typer.Option(help="the district office's name, when it is not registered yet")
    ] = None,
    office_uscc: Annotated[str | None, typer.Option(help="its 统一社会信用代码 (asked when needed)")] = None,
    password_stdin: PasswordStdin = False,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Create an administrator of the district office (registering the office when there is none): the first
    user of a new installation, who then registers parties and adds users (API ``POST /parties``, …)."""
    from lianrong.parties import service as parties

    ctx = context(db)
    if parties.district_office(ctx) is None and not office_uscc:
        if password_stdin:  # a script: nothing to ask
            raise ValidationFailed(
                reason="no district office yet: give --office-name and --office-uscc "
                "/ 尚无区金融办：请提供 --office-name 和 --office-uscc"
            )
        office_name = office_name or typer.prompt("District office name / 区金融办名称", err=True)
        office_uscc = typer.prompt("Its USCC / 统一社会信用代码", err=True)
    result = parties.create_district_admin(
        ctx,
        username=username,
        password=_new_password(password_stdin),
        display_name=display_name,
        office_name=office_name,
        office_uscc=office_uscc,
    )
    if as_json:
        show(result, True)
        return
    office, user = result.party, result.user
    out.print(
        f"{'registered' if office.created else 'district office'}: {escape(office.name)} ({office.uscc}, {office.id})"
    )
    out.print(f"administrator {escape(user.username)} created ({user.id}); log in at /login / 管理员已创建，请登录")


@user_app.command("set-password")
@command
def user_set_password(username: str, password_stdin: PasswordStdin = False, db: Db = None) -> None:
    """Set (or reset) a user's password; its failed logins are forgotten (any login delay ends)."""
    from lianrong.accounts import service as accounts
    from lianrong.parties import service as parties

    ctx = context(db)
    parties.actor_for(ctx, username)  # an unknown user is refused before any password is asked
    accounts.set_password(ctx, username=username, password=_new_password(password_stdin))
    out.print(f"password of {escape(username)} set / 密码已设置")
