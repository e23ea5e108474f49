"""`lianrong programme whitelist …` as the district office and a chain office use it (SQLite and PostgreSQL,
subprocesses): propose, the same user refused as reviewer, review by another, show the history, a renewal round."""

from __future__ import annotations

import json
import subprocess

from commands import LIANRONG, clean_env
from factories import World
from programme_factories import Programme


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*LIANRONG, "programme", "whitelist", *args],
        check=False,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=clean_env(),
        timeout=60,
    )


def test_propose_review_show_and_a_round(world: World, db_url: str):
    prog = Programme(world)
    chain = prog.chain("egg")
    office, district = f"office-egg-operator-{world.base}", f"district-approver-{world.base}"
    p = run(
        "propose",
        world.ids["s1"],
        chain,
        "--debt-ratio",
        "55%",
        "--main-business",
        "饲料生产",
        "--criterion",
        "纳税信用A级",
        "--as",
        office,
        "--db",
        db_url,
        "--json",
    )
    assert p.returncode == 0, p.stderr
    entry = json.loads(p.stdout)
    assert entry["status"] == "proposed"
    bad = run(
        "propose",
        world.ids["s2"],
        chain,
        "--debt-ratio",
        "0.9",
        "--main-business",
        "x y",
        "--as",
        office,
        "--db",
        db_url,
    )
    assert bad.returncode == 1 and "whitelist.criteria_not_met" in bad.stderr
    r = run("review", entry["id"], "--approve", "--as", district, "--db", db_url, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["status"] == "listed"
    shown = json.loads(run("show", entry["id"], "--db", db_url, "--json").stdout)
    assert [v["action"] for v in shown["versions"]] == ["propose", "approve"]
    listed = json.loads(run("list", "--status", "listed", "--db", db_url, "--json").stdout)
    assert entry["id"] in {e["id"] for e in listed}
    opened = run("renewal-open", "--as", district, "--db", db_url, "--json")
    assert opened.returncode == 0, opened.stderr
    rid = json.loads(opened.stdout)["id"]
    closed = run("renewal-close", rid, "--as", district, "--db", db_url, "--json")
    assert closed.returncode == 0, closed.stderr
    assert entry["id"] in json.loads(closed.stdout)["expired"]
