"""``lianrong programme blacklist …`` and the ``blacklist-overdue`` job in-process (Typer's runner) on a World."""

from __future__ import annotations

import json

from programme_factories import Programme
from typer.testing import CliRunner

from lianrong.entrypoints.cli import app as cli


def _run(*args: str):
    result = CliRunner().invoke(cli, list(args))
    return result


def test_add_approve_list_show_remove_and_repair_commands(world, db_url):
    Programme(world)
    db = ["--db", db_url]
    op, ap = f"district-operator-{world.base}", f"district-approver-{world.base}"
    r = _run(
        "programme",
        "blacklist",
        "add",
        "--party",
        world.ids["s2"],
        "--source",
        "court",
        "--severity",
        "minor",
        "--reason",
        "失信被执行人",
        "--as",
        op,
        "--json",
        *db,
    )
    assert r.exit_code == 0, r.output
    entry = json.loads(r.output)
    assert entry["status"] == "proposed"
    r = _run("programme", "blacklist", "approve", entry["id"], "--as", op, *db)
    assert r.exit_code != 0 and "auth.forbidden" in r.output
    r = _run("programme", "blacklist", "approve", entry["id"], "--as", ap, "--json", *db)
    assert r.exit_code == 0 and json.loads(r.output)["status"] == "listed", r.output
    r = _run("programme", "blacklist", "list", "--json", *db)
    assert [e["id"] for e in json.loads(r.output)] == [entry["id"]]
    r = _run("programme", "blacklist", "show", entry["id"], *db)
    assert r.exit_code == 0 and json.loads(r.output)["restrictions"][0]["action"] == "finance"
    r = _run(
        "programme",
        "blacklist",
        "repair",
        "apply",
        entry["id"],
        "--statement",
        "已履行",
        "--as",
        f"s2-operator-{world.base}",
        "--json",
        *db,
    )
    assert r.exit_code == 0 and json.loads(r.output)["status"] == "applied", r.output
    r = _run("programme", "blacklist", "remove", entry["id"], "--reason", "法院已撤销", "--as", ap, "--json", *db)
    assert r.exit_code == 0 and json.loads(r.output)["status"] == "removed", r.output
    r = _run(
        "programme",
        "blacklist",
        "add",
        "--principal-id",
        "110105194912310021",
        "--principal-name",
        "张三",
        "--principal-role",
        "legal_representative",
        "--source",
        "court",
        "--severity",
        "grave",
        "--reason",
        "r",
        "--as",
        op,
        *db,
    )
    assert r.exit_code != 0 and "blacklist.id_number_invalid" in r.output


def test_the_overdue_job_runs_from_the_command_line(world, db_url):
    r = _run("job", "blacklist-overdue", "--db", db_url, "--json")
    assert r.exit_code == 0, r.output
    assert r.output.strip().splitlines()[-1] == "[]"  # after the job's log line
