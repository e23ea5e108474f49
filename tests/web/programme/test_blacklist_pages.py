"""The black list's console pages on the demo (with the black list's own demo seeded here): the district's
list and entry pages with only the allowed actions, the bank's list, an enterprise's credit archive, and
scope (another enterprise's entry is the 404 page)."""

from __future__ import annotations

import pytest
from factories import TODAY
from ledger_asserts import party_by_short_name as _party
from sqlalchemy import select

from lianrong.adapters.db import programme_tables as pt
from lianrong.programme.blacklist import demo


@pytest.fixture(scope="module")
def seeded(console) -> dict:
    out = demo.seed(console.ctx, today=TODAY)
    assert set(out) >= {"tax", "principal", "repaired", "repair"}
    assert demo.seed(console.ctx, today=TODAY) == out  # a replay changes nothing
    return out


def test_the_district_sees_the_list_with_its_entries_and_the_form(login, seeded):
    page = login("district_op").get("/programme/blacklist")
    assert page.status_code == 200
    html = page.text
    for key in ("tax", "principal", "repaired"):
        assert f'data-id="{seeded[key]}"' in html
    assert 'data-testid="form-blacklist"' in html  # an operator records
    assert 'data-testid="nav-programme-blacklist"' in html
    viewer = login("district").get("/programme/blacklist").text
    assert 'data-testid="form-blacklist"' not in viewer  # a viewer does not


def test_an_entry_page_shows_history_restrictions_and_only_allowed_actions(login, seeded):
    html = login("district_ap").get(f"/programme/blacklist/{seeded['tax']}").text
    assert 'data-action="propose"' in html and 'data-action="list"' in html
    assert 'data-testid="row-restriction"' in html
    assert 'data-testid="submit-remove"' in html and 'data-testid="submit-approve"' not in html
    op = login("district_op").get(f"/programme/blacklist/{seeded['tax']}").text
    assert 'data-testid="submit-remove"' not in op  # an operator does not decide
    removed = login("district_ap").get(f"/programme/blacklist/{seeded['repaired']}").text
    assert 'data-lifted="yes"' in removed and 'data-testid="entry-repair"' in removed


def test_the_repair_pages(login, seeded):
    html = login("district_op").get("/programme/blacklist/repairs").text
    assert f'data-id="{seeded["repair"]}"' in html
    detail = login("district_op").get(f"/programme/blacklist/repairs/{seeded['repair']}").text
    assert [a for a in ("apply", "review", "approve") if f'data-action="{a}"' in detail] == [
        "apply",
        "review",
        "approve",
    ]
    assert 'data-testid="form-repair-step"' not in detail  # decided: nothing left to do


def test_the_bank_sees_listed_entries_only(login, seeded):
    html = login("icbc_op").get("/bank/blacklist").text
    assert f'data-id="{seeded["tax"]}"' in html and f'data-id="{seeded["repaired"]}"' not in html
    assert 'data-testid="form-blacklist"' not in html


def test_an_enterprise_reads_its_archive_and_applies_for_repair(login, seeded, console, csrf_of, key_of):
    client = login("soy_op")
    page = client.get("/supplier/credit")
    assert page.status_code == 200, page.text
    html = page.text
    assert f'data-id="{seeded["tax"]}"' in html and 'data-testid="archive-alerts"' in html
    assert 'data-testid="form-repair"' in html
    r = client.post(
        "/supplier/credit",
        data={
            "csrf_token": csrf_of(html),
            "idempotency_key": key_of(html),
            "entry_id": seeded["tax"],
            "statement": "已补缴税款及滞纳金",
        },
        files={"evidence": ("完税证明.pdf", b"%PDF-1.7\n% tax paid\n%%EOF\n", "application/pdf")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    with console.ctx.uow(readonly=True) as uow:
        row = uow.conn.execute(select(pt.credit_repair).where(pt.credit_repair.c.entry_id == seeded["tax"])).one()
    assert row.applicant_id == _party(console.ctx, "丰润豆粕") and len(row.evidence) == 1
    after = client.get("/supplier/credit").text
    assert 'data-testid="form-repair"' not in after and 'data-status="applied"' in after
    assert client.get(f"/programme/blacklist/{seeded['tax']}").status_code == 403  # not its area
    other = login("carton_op").get("/supplier/credit").text
    assert f'data-id="{seeded["tax"]}"' not in other and f'data-id="{seeded["repaired"]}"' in other


def test_a_refused_entry_form_shows_the_coded_error(login, seeded, csrf_of, key_of):
    client = login("district_op")
    html = client.get("/programme/blacklist").text
    r = client.post(
        "/programme/blacklist",
        data={
            "csrf_token": csrf_of(html),
            "idempotency_key": key_of(html),
            "subject": "principal",
            "principal_name": "李四",
            "principal_id_no": "110105194912310021",
            "principal_role": "actual_controller",
            "source": "court",
            "severity": "grave",
            "reason": "r",
        },
        follow_redirects=False,
    )
    assert r.status_code == 422 and 'data-code="blacklist.id_number_invalid"' in r.text
    assert 'data-testid="form-blacklist"' in r.text  # the whole page again, input kept


def test_the_district_records_and_lists_an_entry_through_the_forms(login, seeded, console, csrf_of, key_of):
    op, ap = login("district_op"), login("district_ap")
    html = op.get("/programme/blacklist").text
    agri = _party(console.ctx, "绿野农资")
    r = op.post(
        "/programme/blacklist",
        data={
            "csrf_token": csrf_of(html),
            "idempotency_key": key_of(html),
            "subject": "enterprise",
            "party": agri,
            "source": "financial",
            "severity": "serious",
            "reason": "恶意逃废银行债务",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    entry_page = r.headers["location"]
    assert 'data-testid="form-blacklist-decide"' not in op.get(entry_page).text  # the maker does not decide
    page = ap.get(entry_page).text
    assert 'data-testid="submit-approve"' in page and 'data-testid="submit-reject"' in page
    r = ap.post(
        entry_page + "/approve",
        data={"csrf_token": csrf_of(page), "idempotency_key": key_of(page), "reason": ""},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and r.headers["HX-Redirect"] == entry_page, r.text
    listed = ap.get(entry_page).text
    assert 'data-testid="entry-status"' in listed and listed.count('data-testid="row-restriction"') == 3
    r = ap.post(
        entry_page + "/remove",
        data={"csrf_token": csrf_of(listed), "idempotency_key": key_of(listed), "reason": ""},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and 'data-code="validation.required"' in r.text  # a removal needs its reason


def test_the_bank_opens_a_listed_entry_but_not_a_removed_one(login, seeded):
    bank = login("icbc_op")
    page = bank.get(f"/programme/blacklist/{seeded['tax']}")
    assert page.status_code == 200 and 'href="/bank/blacklist"' in page.text
    assert 'data-testid="form-blacklist-decide"' not in page.text
    assert bank.get(f"/programme/blacklist/{seeded['repaired']}").status_code == 404
