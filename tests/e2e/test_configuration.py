"""Refused configuration: the installed ``lianrong`` command says what is wrong in one line per setting,
naming its environment variable, and exits 2 — ``serve`` before it listens, every other command before
it touches the database. On SQLite and PostgreSQL."""

from __future__ import annotations

import socket
import subprocess

import pytest
from commands import LIANRONG, clean_env

from lianrong.settings import DEFAULT_SECRET

GOOD_SECRET = "a-random-production-secret-0123456789abcdef"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([*LIANRONG, *args], env=clean_env(**env), capture_output=True, text=True, timeout=60)


def _refused(r: subprocess.CompletedProcess, variable: str) -> None:
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert len(lines) == 1 and variable in lines[0] and "Traceback" not in r.stderr, r.stderr
    assert "serving" not in r.stdout


@pytest.mark.parametrize(
    ("command", "secret"),
    [
        ("serve", DEFAULT_SECRET),
        ("serve", ""),
        ("db current", "short-secret"),
        ("voucher list", ""),
        ("demo", DEFAULT_SECRET),
    ],
    ids=["serve-default", "serve-empty", "db-short", "voucher-empty", "demo-default"],
)
def test_production_with_a_default_empty_or_short_secret_refuses_to_start_in_one_line(db_url, command, secret):
    args = [*command.split(), "--db", db_url]
    if command == "serve":
        args += ["--port", str(_free_port())]
    _refused(_run(args, LIANRONG_ENVIRONMENT="production", LIANRONG_SECRET_KEY=secret), "LIANRONG_SECRET_KEY")


def test_an_empty_secret_is_refused_everywhere_and_a_real_one_accepted(db_url):
    _refused(_run(["db", "current", "--db", db_url], LIANRONG_SECRET_KEY=""), "LIANRONG_SECRET_KEY")
    r = _run(["db", "current", "--db", db_url], LIANRONG_ENVIRONMENT="production", LIANRONG_SECRET_KEY=GOOD_SECRET)
    assert r.returncode == 0, r.stderr


def test_a_malformed_setting_is_named_by_its_environment_variable(db_url):
    r = _run(["voucher", "list", "--db", db_url], LIANRONG_MAX_TERM_MONTHS="twelve")
    _refused(r, "LIANRONG_MAX_TERM_MONTHS")
    assert "integer" in r.stderr
