"""Typed results: a result's JSON form reads back as the same value (what an idempotent replay returns)."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

import pytest

from lianrong.platform.results import rebuild, record


class Colour(enum.StrEnum):
    RED = "red"
    BLUE = "blue"


@dataclass(frozen=True, slots=True)
class Part:
    id: str
    amount_fen: int
    colour: Colour


@dataclass(frozen=True, slots=True)
class Outcome:
    id: str
    on: dt.date
    at: dt.datetime
    parts: tuple[Part, ...]
    note: str | None = None
    due: dt.date | None = None
    counts: dict[str, int] | None = None


def test_a_result_reads_back_from_its_json_form_as_the_same_value():
    value = Outcome(
        id="x",
        on=dt.date(2027, 3, 15),
        at=dt.datetime(2027, 3, 15, 8, 30, tzinfo=dt.UTC),
        parts=(Part("a", 1, Colour.RED), Part("b", 2, Colour.BLUE)),
        counts={"n": 2},
    )
    data = record(value)
    assert data["on"] == "2027-03-15" and data["parts"][1] == {"id": "b", "amount_fen": 2, "colour": "blue"}
    assert rebuild(Outcome, data) == value


def test_a_mapping_of_the_fields_as_they_are_is_accepted_and_unknown_keys_ignored():
    assert rebuild(Part, {"id": "a", "amount_fen": 1, "colour": Colour.RED, "extra": 1}) == Part("a", 1, Colour.RED)


def test_values_that_are_not_results_are_refused():
    with pytest.raises(TypeError):
        record(object())
