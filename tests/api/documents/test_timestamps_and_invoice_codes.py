"""Every moment the API answers carries its UTC offset (SQLite keeps none), and an invoice reads as it was
created."""

from __future__ import annotations

import re

from factories import TODAY

_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_OFFSET = re.compile(r"(Z|[+-]\d{2}:\d{2})$")


def _moments(value, path="$"):
    """Every (path, text) of a JSON value that is a date with a time."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _moments(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _moments(v, f"{path}[{i}]")
    elif isinstance(value, str) and _MOMENT.match(value):
        yield path, value


def test_every_timestamp_the_api_answers_carries_its_offset(fresh_api_world):
    aw = fresh_api_world
    w = aw.world
    root = w.issue(1_000_00)
    w.finance([root], "s1", disburse=True)
    contract = w.contracts[("core", "s1")]
    answers = {
        "contracts": aw.as_("core_op").get("/contracts"),
        "contract": aw.as_("core_op").get(f"/contracts/{contract}"),
        "vouchers": aw.as_("core_op").get("/vouchers"),
        "financings": aw.as_("bank_ap").get("/financings"),
        "payments": aw.as_("bank_ap").get("/payments"),
        "fragments": aw.as_("bank_ap").get("/fragments", params={"holder": w.ids["bank"]}),
        "tokens": aw.as_("core_op").get("/auth/tokens"),
        "users": aw.as_("core_ap").get("/users"),
        "me": aw.as_("core_op").get("/auth/me"),
    }
    seen = []
    for name, r in answers.items():
        assert r.status_code == 200, (name, r.text)
        seen += [(name, path, text) for path, text in _moments(r.json())]
    assert {name for name, _, _ in seen} >= {"contracts", "contract", "vouchers", "financings", "tokens", "users"}
    naive = [(name, path, text) for name, path, text in seen if not _OFFSET.search(text)]
    assert not naive, naive


def test_an_invoice_s_code_reads_as_it_was_created(fresh_api_world):
    aw = fresh_api_world
    contract = aw.world.contracts[("core", "s1")]
    api = aw.as_("core_op")
    made = {}
    for number, code in (("26117000000066666666", None), ("01234567", "1100261130")):
        body = {"number": number, "amount_fen": 1_00, "issued_on": TODAY.isoformat()}
        if code:
            body["code"] = code
        r = api.post(f"/contracts/{contract}/invoices", json=body)
        assert r.status_code == 201, r.text
        made[r.json()["id"]] = r.json()
    read = {inv["id"]: inv for inv in api.get(f"/contracts/{contract}").json()["invoices"]}
    for iid, created in made.items():
        assert created["code"] == read[iid]["code"], (created, read[iid])
    assert sorted(m["code"] for m in made.values()) == ["", "1100261130"]
