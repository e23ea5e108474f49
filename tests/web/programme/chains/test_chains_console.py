"""The chains' console pages (``/programme/chains``): the list, a chain's page with its graph, adding a member,
the workbook import refused whole and the export; another office's chain is the 404 page."""

from __future__ import annotations

import io
import json
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import Workbook
from programme_factories import Programme

from lianrong.accounts import service as accounts
from lianrong.entrypoints.console.app import install

PASSWORD = "chains-test-2026"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def site(world):
    prog = Programme(world)
    egg = prog.chain("egg")
    pig = prog.chain("pig", "生猪产业链")
    prog.member("egg", "core", "leader", 0)
    prog.member("egg", "s1", "supplier", 1)
    root = world.issue(1000_00)
    world.transfer(root, "s1", [("s2", 400_00)])
    app = FastAPI()
    install(app, world.ctx)
    hashed = accounts.hash_password(PASSWORD)

    def login(org: str, role: str = "operator") -> TestClient:
        username = f"{org}-{role}-{world.base}"
        accounts.set_initial_password_hash(world.ctx, username=username, password_hash=hashed)
        client = TestClient(app)
        page = client.get("/login")
        r = client.post(
            "/login",
            data={"username": username, "password": PASSWORD, "csrf_token": CSRF_RE.search(page.text).group(1)},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        return client

    return world, prog, egg, pig, login


def _form(html: str, testid: str) -> dict[str, str]:
    form = re.search(rf'<form[^>]*data-testid="{testid}".*?</form>', html, re.S).group(0)
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def test_the_chain_office_sees_its_chain_with_the_graph_and_adds_a_member(site):
    world, prog, egg, pig, login = site
    office = login("office-egg")
    listing = office.get("/programme/chains")
    assert listing.status_code == 200
    assert f'data-id="{egg}"' in listing.text and f'data-id="{pig}"' not in listing.text
    assert 'data-testid="form-chain"' not in listing.text  # only the district creates chains
    page = office.get(f"/programme/chains/{egg}")
    assert page.status_code == 200
    chart = re.search(r"data-chart='([^']+)'", page.text).group(1)
    option = json.loads(chart.replace("&#39;", "'").replace("&#34;", '"').replace("&quot;", '"').replace("&amp;", "&"))
    series = option["series"][0]
    assert series["type"] == "graph" and len(series["data"]) == 2 and len(series["links"]) == 1
    assert page.text.count('data-testid="row-member"') == 2
    hidden = _form(page.text, "form-member")
    r = office.post(
        f"/programme/chains/{egg}/members",
        data={**hidden, "party": world.ids["s2"], "role": "supplier", "tier": "2"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = office.get(f"/programme/chains/{egg}")
    assert page.text.count('data-testid="row-member"') == 3
    assert page.text.count('data-testid="row-edge"') == 2  # s2 → s1 now drawn too
    bad = office.post(
        f"/programme/chains/{egg}/members",
        data={**_form(page.text, "form-member"), "party": world.ids["s3"], "role": "leader", "tier": "3"},
        follow_redirects=False,
    )
    assert bad.status_code == 422 and 'data-code="chain.leader_tier"' in bad.text
    assert office.get(f"/programme/chains/{pig}").status_code == 404
    export = office.get(f"/programme/chains/{egg}/members.xlsx")
    assert export.status_code == 200 and export.content[:2] == b"PK"


def test_a_bad_workbook_is_refused_whole_row_by_row_and_the_district_creates_chains(site):
    world, prog, egg, pig, login = site
    office = login("office-egg")
    page = office.get(f"/programme/chains/{egg}")
    wb = Workbook()
    ws = wb.active
    ws.append(["统一社会信用代码", "企业名称", "角色", "层级"])
    ws.append(["91110117MA00000000", "坏", "supplier", 1])
    buf = io.BytesIO()
    wb.save(buf)
    r = office.post(
        f"/programme/chains/{egg}/import",
        data=_form(page.text, "form-members-import"),
        files={"file": ("m.xlsx", buf.getvalue(), "application/octet-stream")},
        follow_redirects=False,
    )
    assert r.status_code == 422 and 'data-testid="form-error-items"' in r.text
    assert office.get(f"/programme/chains/{egg}").text.count('data-testid="row-member"') == 2

    district = login("district")
    listing = district.get("/programme/chains")
    assert f'data-id="{pig}"' in listing.text and 'data-testid="form-chain"' in listing.text
    r = district.post(
        "/programme/chains",
        data={
            **_form(listing.text, "form-chain"),
            "code": f"peach{world.base}",
            "name": "大桃产业链",
            "name_en": "Peach",
            "office": world.ids["office-pig"],
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert district.get(r.headers["location"]).status_code == 200
    assert login("bank").get("/programme/chains").status_code == 403  # the overseers' area


def test_a_member_is_changed_and_the_district_edits_the_chain(site):
    world, prog, egg, pig, login = site
    office = login("office-egg")
    page = office.get(f"/programme/chains/{egg}")
    assert 'data-testid="form-chain-edit"' not in page.text  # the district configures chains
    r = office.post(
        f"/programme/chains/{egg}/change",
        data={**_form(page.text, "form-member-change"), "party": world.ids["s1"], "role": "logistics", "tier": "2"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = office.get(f"/programme/chains/{egg}")
    assert f'data-party="{world.ids["s1"]}" data-role="logistics" data-tier="2"' in page.text

    district = login("district")
    page = district.get(f"/programme/chains/{egg}")
    edit = _form(page.text, "form-chain-edit")
    r = district.post(
        f"/programme/chains/{egg}/edit",
        data={**edit, "name": "蛋鸡产业链", "name_en": "Eggs", "office": world.ids["office-egg"], "position": "3"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = district.get(f"/programme/chains/{egg}")
    assert "蛋鸡产业链" in page.text and 'data-active="no"' in page.text  # "active" left unticked
    assert login("office-pig").post(f"/programme/chains/{egg}/edit", data=edit).status_code in (403, 404)
