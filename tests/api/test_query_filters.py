"""A query parameter a route does not declare is refused, never silently ignored (one mechanism for every
API route: ``deps.known_query_only``)."""

from __future__ import annotations

import re


def test_unknown_filters_on_fragments_are_refused(fresh_api_world):
    aw = fresh_api_world
    aw.world.issue(1_000_00)
    for params in ({"supplier": aw.ids["s1"]}, {"status": "active"}, {"holder": aw.ids["s1"], "statuss": "x"}):
        r = aw.as_("bank_op").get("/fragments", params=params)
        assert r.status_code == 422, (params, r.text)
        body = r.json()
        assert body["code"] == "validation.failed"
        unknown = sorted(set(params) - {"holder"})
        assert [e["loc"] for e in body["details"]["errors"]] == [["query", name] for name in unknown]
        assert {e["type"] for e in body["details"]["errors"]} == {"extra_forbidden"}
    # the declared ones still work
    assert (
        aw.as_("bank_op")
        .get("/fragments", params={"holder": aw.ids["s1"], "include_closed": "true", "limit": 5, "offset": 0})
        .status_code
        == 200
    )


def test_every_list_refuses_an_unknown_filter(fresh_api_world):
    aw = fresh_api_world
    spec = aw.client.get("/api/v1/openapi.json").json()
    lists = [p.removeprefix("/api/v1") for p, ops in spec["paths"].items() if "get" in ops and not re.search(r"\{", p)]
    assert "/fragments" in lists and "/vouchers" in lists and len(lists) >= 12
    for path in lists:
        r = aw.as_("district").get(path, params={"no_such_filter": "1"})
        assert r.status_code == 422, (path, r.status_code, r.text)
        assert r.json()["details"]["errors"][0]["loc"] == ["query", "no_such_filter"], path
        declared = [
            p["name"]
            for op in [spec["paths"]["/api/v1" + path]["get"]]
            for p in op.get("parameters", [])
            if p["in"] == "query"
        ]
        ok = aw.as_("district").get(path, params={"limit": 1} if "limit" in declared else {})
        assert ok.status_code != 422, (path, ok.text)


def test_a_transfer_with_a_query_string_is_refused_alike_on_the_fast_path(fresh_api_world):
    aw = fresh_api_world
    root = aw.world.issue(1_000_00)
    r = aw.as_("sup_op").post(
        f"/fragments/{root}/transfer?dry_run=1", json={"parts": [{"recipient": aw.ids["s2"], "amount_fen": 100_00}]}
    )
    assert r.status_code == 422 and r.json()["details"]["errors"][0]["loc"] == ["query", "dry_run"], r.text
