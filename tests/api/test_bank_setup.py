"""The bank's set-up over HTTP: designating core enterprises with their parameters, and the LPR entries."""

from __future__ import annotations

from factories import key, uscc
from lianrong.services import parties


def _designation(api, core: str) -> dict:
    r = api.get("/cores", params={"core": core})
    assert r.status_code == 200, r.text
    (d,) = r.json()["items"]
    return d


def test_a_partial_update_of_a_designation_keeps_the_other_parameters(api_world):
    bank, core = api_world.as_("bank_ap"), api_world.ids["core"]
    before = _designation(bank, core)
    r = bank.post("/cores", {"core": core, "spread": "0.012"})
    assert r.status_code == 200, r.text
    assert r.json()["spread"] == "0.012" and r.json()["designated_on"] == before["designated_on"]
    after = _designation(bank, core)
    assert after == {**before, "spread": "0.012", "updated_at": after["updated_at"]}
    assert (after["min_split_fen"], after["max_tier"]) == (1, 20)  # as the world designated it, not the defaults


def test_a_first_designation_over_http_takes_the_defaults_for_what_is_not_sent(api_world):
    w = api_world.world
    fresh = parties.register_party(api_world.ctx, kind="enterprise", uscc=uscc(w.base + 91), name=f"新核心{w.base}",
                                   idempotency_key=key())["id"]
    r = api_world.as_("bank_op").post("/cores", {"core": fresh, "max_tier": 3})
    assert r.status_code == 200, r.text
    defaults = parties.default_params(api_world.ctx)
    d = r.json()
    assert (d["max_ratio"], d["max_term_days"], d["min_split_fen"], d["max_tier"], d["spread"]) == (
        str(defaults.max_ratio), defaults.max_term_days, defaults.min_split_fen, 3, str(defaults.spread))
