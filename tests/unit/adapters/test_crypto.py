from __future__ import annotations

import enum
import hashlib
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lianrong.adapters.crypto import GENESIS, canonical_json, chain_hash, digest

# --- canonical_json ------------------------------------------------------------------------------


def test_canonical_json_sorts_keys_and_has_no_whitespace():
    assert canonical_json({"b": 1, "a": [1, 2], "c": {"z": None, "y": True}}) == (
        b'{"a":[1,2],"b":1,"c":{"y":true,"z":null}}'
    )


def test_canonical_json_keeps_chinese_as_utf8():
    assert canonical_json({"name": "链融科技"}) == '{"name":"链融科技"}'.encode()


def test_canonical_json_writes_dates_and_decimals_as_strings():
    payload = {
        "on": date(2026, 10, 8),
        "at": datetime(2026, 10, 8, 9, 30, tzinfo=UTC),
        "rate": Decimal("0.0345"),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    }
    assert canonical_json(payload) == (
        b'{"at":"2026-10-08T09:30:00+00:00","id":"12345678-1234-5678-1234-567812345678",'
        b'"on":"2026-10-08","rate":"0.0345"}'
    )


def test_canonical_json_writes_enums_as_their_values():
    class State(enum.StrEnum):
        ACTIVE = "active"

    class Tier(enum.IntEnum):
        FIRST = 1

    assert canonical_json({"s": State.ACTIVE, "t": Tier.FIRST}) == b'{"s":"active","t":1}'


def test_canonical_json_does_not_depend_on_insertion_order():
    assert canonical_json({"a": 1, "b": 2}) == canonical_json({"b": 2, "a": 1})


@pytest.mark.parametrize(
    "payload",
    [
        {"amount": 1.5},  # money is fen, never float
        {"rate": Decimal("NaN")},
        {1: "x"},  # would collide with {"1": "x"}
        {"blob": b"bytes"},
        {"set": {1, 2}},
    ],
)
def test_canonical_json_refuses_ambiguous_values(payload):
    with pytest.raises(TypeError):
        canonical_json(payload)


def test_canonical_json_needs_a_mapping():
    with pytest.raises(TypeError):
        canonical_json([1, 2])  # type: ignore[arg-type]


# --- digest --------------------------------------------------------------------------------------


def test_sha256_digest_matches_hashlib():
    assert digest(b"abc") == hashlib.sha256(b"abc").hexdigest()
    assert digest(b"abc", algorithm="sha256") == ("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")


def test_sm3_digest_matches_the_gbt_32905_test_vectors():
    assert digest(b"abc", algorithm="sm3") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert digest(b"abcd" * 16, algorithm="sm3") == ("debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732")


def test_unknown_algorithm_is_a_value_error():
    with pytest.raises(ValueError):
        digest(b"abc", algorithm="md5")
    with pytest.raises(ValueError):
        chain_hash(prev=GENESIS, payload={}, algorithm="SHA256")


def test_digest_needs_bytes():
    with pytest.raises(TypeError):
        digest("abc")  # type: ignore[arg-type]


# --- chain_hash ----------------------------------------------------------------------------------


def test_genesis_is_sixty_four_zeros():
    assert GENESIS == "0" * 64


@pytest.mark.parametrize("algorithm", ["sha256", "sm3"])
def test_chain_hash_covers_prev_newline_and_canonical_payload(algorithm):
    payload = {"event": "issued", "amount": 10_000_000, "on": date(2026, 10, 8)}
    expected = digest(GENESIS.encode("ascii") + b"\n" + canonical_json(payload), algorithm=algorithm)
    assert chain_hash(prev=GENESIS, payload=payload, algorithm=algorithm) == expected


def test_chain_hash_of_a_known_link_is_stable():
    # pinned so that a change to the canonical form (which would orphan every stored chain) fails
    assert (
        chain_hash(prev=GENESIS, payload={"a": 1})
        == hashlib.sha256(b'0000000000000000000000000000000000000000000000000000000000000000\n{"a":1}').hexdigest()
    )


def test_a_chain_detects_a_changed_payload_and_a_reordered_link():
    events = [{"seq": 1, "what": "issue"}, {"seq": 2, "what": "split"}, {"seq": 3, "what": "transfer"}]
    hashes = []
    prev = GENESIS
    for event in events:
        prev = chain_hash(prev=prev, payload=event)
        hashes.append(prev)

    tampered = dict(events[1], what="cancel")
    assert chain_hash(prev=hashes[0], payload=tampered) != hashes[1]
    assert chain_hash(prev=GENESIS, payload=events[1]) != hashes[1]


def test_the_algorithms_give_different_chains():
    assert chain_hash(prev=GENESIS, payload={"a": 1}) != chain_hash(prev=GENESIS, payload={"a": 1}, algorithm="sm3")


@pytest.mark.parametrize("prev", ["", "0" * 63, "0" * 65, "A" * 64, "g" * 64, None])
def test_chain_hash_refuses_a_malformed_previous_hash(prev):
    with pytest.raises(ValueError):
        chain_hash(prev=prev, payload={})  # type: ignore[arg-type]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=12,
)


@given(st.dictionaries(st.text(max_size=8), json_values, max_size=6), st.sampled_from(["sha256", "sm3"]))
def test_chain_hash_is_deterministic_and_hex(payload, algorithm):
    first = chain_hash(prev=GENESIS, payload=payload, algorithm=algorithm)
    reordered = dict(reversed(list(payload.items())))
    assert chain_hash(prev=GENESIS, payload=reordered, algorithm=algorithm) == first
    assert len(first) == 64 and all(c in "0123456789abcdef" for c in first)
