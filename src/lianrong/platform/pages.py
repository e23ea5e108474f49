"""One page of a read model's records, typed (the API's ``Page`` schema reads it by attribute; ``common.paged``
is its untyped counterpart for the remaining dict results)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """``items`` (at most ``limit``, from ``offset``) of ``total`` records."""

    items: Sequence[T]
    total: int
    limit: int
    offset: int
