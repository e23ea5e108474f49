"""``lianrong programme chains list|show|members-export|members-import`` on the World's database (SQLite and
PostgreSQL): the export imports again, a bad file is refused with its rows listed and exit status 1."""

from __future__ import annotations

import json

from programme_factories import Programme
from typer.testing import CliRunner

from lianrong.entrypoints.cli import app as cli


def _run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_the_chains_commands(world, db_url, tmp_path):
    prog = Programme(world)
    prog.chain("egg")
    prog.member("egg", "core", "leader", 0)
    prog.member("egg", "s1", "supplier", 1)
    code = f"egg{world.base}"
    r = _run("programme", "chains", "list", "--db", db_url, "--json")
    assert r.exit_code == 0, r.output
    assert any(c["code"] == code and c["members"] == 2 for c in json.loads(r.output))
    r = _run("programme", "chains", "show", code, "--db", db_url, "--json")
    assert r.exit_code == 0, r.output
    shown = json.loads(r.output)
    assert len(shown["members"]) == 2 and shown["edges"][0]["source"] == world.ids["s1"]
    path = tmp_path / "egg.xlsx"
    office = f"office-egg-operator-{world.base}"
    r = _run("programme", "chains", "members-export", code, str(path), "--db", db_url, "--as", office)
    assert r.exit_code == 0 and path.read_bytes()[:2] == b"PK", r.output
    r = _run("programme", "chains", "members-import", code, str(path), "--db", db_url, "--as", office, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["updated"] == 2
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    r = _run("programme", "chains", "members-import", code, str(bad), "--db", db_url, "--as", office)
    assert r.exit_code == 1 and "excel.import_invalid" in r.output
    r = _run("programme", "chains", "show", code, "--db", db_url, "--as", f"s4-operator-{world.base}")
    assert r.exit_code == 1 and "chain.not_found" in r.output
