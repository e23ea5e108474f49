"""A voucher 1,300 levels deep: every partial transfer nests the sender's remainder one level deeper, so any
holder can make one. Every whole-tree view (the API's tree, the console's voucher pages, ``lianrong voucher
show``) answers it, as lineage, the split report and the audit do; and an unexpected error is the coded JSON
500, even when the exception cannot be described."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from api.harness import PASSWORD, ApiWorld, restore_api_world
from commands import LIANRONG, clean_env
from fastapi.testclient import TestClient

from lianrong.entrypoints.api.app import create_app
from lianrong.platform.context import SYSTEM
from lianrong.vouchers import audit, lineage, splits

pytestmark = pytest.mark.slow  # a voucher 1,300 levels deep is built once per database

DEPTH = 1300
FACE = 1_000_000_00


@dataclass
class Deep:
    aw: ApiWorld
    url: str
    voucher: str
    root: str
    leaf: str  # the last remainder, DEPTH levels below the root


@pytest.fixture(scope="module")
def deep(module_api_copy) -> Iterator[Deep]:
    """s1 hands one fen at a time to s2, DEPTH times, each time from the previous remainder (about a second
    on SQLite: the transfers go straight through the service, as in the ledger tests)."""
    url, _ = module_api_copy
    aw = restore_api_world(*module_api_copy)
    w = aw.world
    root = current = w.issue(FACE)
    for _ in range(DEPTH):
        current = w.child(w.transfer(current, "s1", [("s2", 1)]), "s1")
    voucher = lineage.lineage(w.ctx, viewer=SYSTEM, fragment_id=root, with_documents=False).voucher.id
    with aw.client:
        yield Deep(aw=aw, url=url, voucher=voucher, root=root, leaf=current)
    w.ctx.engine.dispose()


def _check_nodes(deep: Deep, nodes: list[dict]) -> None:
    assert len(nodes) == 2 * DEPTH + 1
    assert nodes[0]["id"] == deep.root and nodes[0]["depth"] == 0 and nodes[0]["parent_id"] is None
    depth = {n["id"]: n["depth"] for n in nodes}
    seen: set[str] = set()
    for n in nodes:  # depth-first: a parent before its children, one level above them
        if n["parent_id"] is not None:
            assert n["parent_id"] in seen and n["depth"] == depth[n["parent_id"]] + 1
        seen.add(n["id"])
    assert depth[deep.leaf] == DEPTH
    leaves = [n for n in nodes if n["id"] not in {m["parent_id"] for m in nodes}]
    assert sum(n["amount_fen"] for n in leaves) == FACE


def test_the_api_answers_the_tree_of_a_voucher_1300_levels_deep(deep):
    r = deep.aw.as_("bank_ap").get(f"/vouchers/{deep.voucher}/tree")
    assert r.status_code == 200, r.text[:500]
    tree = r.json()  # flat: a JSON reader needs no recursion to read it
    assert (tree["fragments"], tree["depth"], tree["root"]) == (2 * DEPTH + 1, DEPTH, deep.root)
    _check_nodes(deep, tree["nodes"])
    assert set(tree["nodes"][0]) >= {
        "id",
        "parent_id",
        "depth",
        "holder_id",
        "holder_name",
        "amount_fen",
        "tier",
        "status",
    }


def test_the_console_shows_the_tree_of_a_voucher_1300_levels_deep(deep):
    client = deep.aw.client
    for user, page in (
        ("bank_ap", "/bank/vouchers/"),
        ("core_ap", "/core/vouchers/"),
        ("district", "/overview/vouchers/"),
    ):
        login = client.post("/api/v1/auth/login", json={"username": deep.aw.usernames[user], "password": PASSWORD})
        assert login.status_code == 200, login.text
        r = client.get(page + deep.voucher)
        assert r.status_code == 200, r.text[:500]
        assert r.text.count('data-testid="tree-node"') == 2 * DEPTH + 1
        assert f'data-fragment-id="{deep.leaf}" data-status="active" data-depth="{DEPTH}"' in r.text
        assert f"第{DEPTH}层" in r.text  # beyond the indentation, a part says its level
        client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": login.json()["csrf_token"]})


def test_the_cli_prints_the_tree_of_a_voucher_1300_levels_deep(deep, tmp_path):
    env = clean_env(COLUMNS="200")

    def show(*extra: str) -> str:
        p = subprocess.run(
            [*LIANRONG, "voucher", "show", deep.voucher, *extra, "--db", deep.url],
            check=False,
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
        )
        assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr[-3000:]
        return p.stdout

    text = show()
    lines = [line for line in text.splitlines() if "frg_" in line]
    assert len(lines) == 2 * DEPTH + 1, text[-2000:]
    assert lines[0].split()[:2] == ["0", deep.root]
    assert any(line.split()[:2] == [str(DEPTH), deep.leaf] and line.endswith("[active]") for line in lines)
    data = json.loads(show("--json"))
    _check_nodes(deep, data["nodes"])


def test_lineage_the_split_report_and_the_audit_hold_at_that_depth(deep):
    ctx = deep.aw.ctx
    path = lineage.lineage(ctx, viewer=SYSTEM, fragment_id=deep.leaf, with_documents=False).path
    assert len(path) == DEPTH + 1 and path[0].id == deep.root
    report = splits.split_report(ctx, actor=deep.aw.actor("district"), voucher_id=deep.voucher)
    assert report.items[0].depth == DEPTH
    assert audit.verify(ctx).ok


def test_an_unexpected_error_is_the_coded_json_500_even_when_it_cannot_be_described(deep):
    class Undescribable(Exception):
        def __str__(self) -> str:  # as a validation error quoting a deeply nested value
            raise RecursionError("maximum recursion depth exceeded while getting the repr of an object")

    app = create_app(deep.aw.ctx, console=False)

    @app.get("/api/v1/boom", include_in_schema=False)
    def boom() -> None:
        raise Undescribable()

    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/api/v1/boom", headers={"X-Request-ID": "deep-boom"})
    assert r.status_code == 500 and r.headers["content-type"] == "application/json", r.text[:300]
    assert r.json()["code"] == "internal" and r.headers["x-request-id"] == "deep-boom"
