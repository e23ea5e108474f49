"""The hot paths' JSON writer (adapters/jsoncodec, orjson) writes what the standard library writes, byte for
byte: the hash chain's stored payloads must not change with the writer (Hypothesis)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lianrong.adapters import jsoncodec
from lianrong.adapters.crypto import canonical_json

#: JSON values as payloads and results hold them: any text (Chinese, control characters, astral
#: characters), integers beyond 64 bits (the fallback), nested lists and string-keyed objects
_TEXT = st.text(st.characters(exclude_categories=("Cs",)))  # lone surrogates are no UTF-8 text
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_canonical_text_is_the_standard_librarys_sorted_compact_utf8(value):
    expected = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
        "utf-8"
    )
    assert jsoncodec.canonical(value) == expected


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_stored_text_is_the_standard_librarys_compact_text_and_reads_back(value):
    text = jsoncodec.dumps(value)
    assert text == json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    assert jsoncodec.loads(text) == value


def test_integers_beyond_64_bits_read_back_exactly():
    assert jsoncodec.loads('{"amount_fen": -9223372036854775809}') == {"amount_fen": -9223372036854775809}


def test_keys_that_are_not_strings_fall_back_to_the_standard_library():
    assert jsoncodec.dumps({1: "a"}) == '{"1":"a"}'
    assert jsoncodec.canonical({"b": 2**64, "a": 1}) == b'{"a":1,"b":18446744073709551616}'


def test_the_hash_chain_still_refuses_floats_and_names_chinese_in_utf8():
    with pytest.raises(TypeError):
        canonical_json({"rate": 0.1})
    assert canonical_json({"名": "峪口禽业", "a": [1, None]}) == '{"a":[1,null],"名":"峪口禽业"}'.encode()


def _depth(value) -> int:
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    return 0


#: brackets, quotes and backslashes in text and keys, to tell text from structure
_TRICKY = st.text(st.sampled_from('[]{}"\\ax中'), max_size=6)
NESTED = st.recursive(
    st.none() | st.integers() | _TRICKY,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TRICKY, inner, max_size=3),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(NESTED, st.integers(0, 8), st.booleans())
def test_the_nesting_check_finds_exactly_the_values_nested_deeper_than_the_limit(value, limit, spaced):
    text = json.dumps(value, ensure_ascii=False, indent=1 if spaced else None).encode()
    assert jsoncodec.nests_deeper(text, limit) == (_depth(value) > limit)
