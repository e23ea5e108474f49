"""The bank's set-up over HTTP: designating core enterprises with their parameters, and the LPR entries."""

from __future__ import annotations

import datetime as dt

from api.harness import Api
from factories import key, uscc

from lianrong.accounts import service as accounts
from lianrong.parties import designations as designations
from lianrong.parties import service as parties
from lianrong.platform.context import SYSTEM


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
    fresh = parties.register_party(
        api_world.ctx, kind="enterprise", uscc=uscc(w.base + 91), name=f"新核心{w.base}", idempotency_key=key()
    ).id
    r = api_world.as_("bank_op").post("/cores", {"core": fresh, "max_tier": 3})
    assert r.status_code == 200, r.text
    defaults = designations.default_params(api_world.ctx)
    d = r.json()
    assert (d["max_ratio"], d["max_term_days"], d["min_split_fen"], d["max_tier"], d["spread"]) == (
        str(defaults.max_ratio),
        defaults.max_term_days,
        defaults.min_split_fen,
        3,
        str(defaults.spread),
    )


def _lpr(api, **params) -> dict:
    r = api.get("/lpr", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def _entries(page: dict) -> list[tuple[str, str, str, str]]:
    return [(e["bank_id"], e["effective_on"], e["rate"], e["state"]) for e in page["items"]]


def test_lpr_entries_are_listed_newest_first_with_their_state_and_scoped(fresh_api_world):
    """A bank sees its own entries; an enterprise those of the banks it is a customer of; the overseers all."""
    aw = fresh_api_world
    ctx, bank = aw.ctx, aw.ids["bank"]
    for day, rate in ((dt.date(2026, 6, 1), "3.10%"), (dt.date(2027, 1, 1), "3.20%")):  # today is 2026-11-26
        designations.set_lpr(
            ctx, actor=aw.world.user("bank", "approver"), bank=bank, effective_on=day, rate=rate, idempotency_key=key()
        )
    other = parties.register_party(
        ctx, kind="bank", uscc=uscc(aw.world.base + 92), name=f"他行{aw.world.base}", idempotency_key=key()
    ).id
    designations.set_lpr(
        ctx, actor=SYSTEM, bank=other, effective_on=dt.date(2026, 3, 1), rate="2.90%", idempotency_key=key()
    )
    ours = [
        (bank, "2027-01-01", "0.0320", "future"),
        (bank, "2026-06-01", "0.0310", "in_force"),
        (bank, "2026-01-01", "0.0300", "past"),
    ]
    theirs = [(other, "2026-03-01", "0.0290", "in_force")]

    assert _entries(_lpr(aw.as_("bank_op"))) == ours
    assert _lpr(aw.as_("bank_op"), bank=other) == {"items": [], "total": 0, "limit": 50, "offset": 0}
    assert _entries(_lpr(aw.as_("sup_op"))) == ours  # s1 is the bank's customer, not the other bank's
    assert _entries(_lpr(aw.as_("core_ap"), bank=bank)) == ours
    everything = _lpr(aw.as_("district"))
    assert everything["total"] == 4 and _entries(everything) == ours[:2] + theirs + ours[2:]
    assert _entries(_lpr(aw.as_("chain"), bank=other)) == theirs
    page = _lpr(aw.as_("bank_ap"), limit=1, offset=1)
    assert (page["total"], page["limit"], page["offset"], _entries(page)) == (3, 1, 1, ours[1:2])

    # an enterprise with no bank sees no entries; onboarded at the other bank, it sees that bank's
    loner = parties.register_party(
        ctx, kind="enterprise", uscc=uscc(aw.world.base + 93), name=f"散户{aw.world.base}", idempotency_key=key()
    ).id
    parties.add_user(
        ctx,
        party=loner,
        username=f"loner-{aw.world.base}",
        display_name="loner",
        role="operator",
        idempotency_key=key(),
    )
    token = accounts.issue_token(ctx, username=f"loner-{aw.world.base}", name="lpr").token
    assert _lpr(Api(aw.client, token))["total"] == 0
    parties.onboard(
        ctx,
        actor=SYSTEM,
        bank=other,
        party=loner,
        settlement_account=None,
        ebanking=False,
        certificate=None,
        idempotency_key=key(),
    )
    assert _entries(_lpr(Api(aw.client, token))) == theirs
