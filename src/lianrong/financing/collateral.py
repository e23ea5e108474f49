"""What a financing is secured by: the collateral protocol and the registry of its kinds.

The financing core (``financing/service.py``) prices, reviews and disburses; everything it needs to know or do
about the assets behind a financing goes through a :class:`Collateral` of the assets' kind: load them (locked,
within the viewer's scope), check that the applicant may finance them, reserve them for an application,
release them (a rejection, an expiry), and assign them to the bank on disbursement. Each financing records
its assets in ``financing_asset`` (financing, kind, asset id, obligor, face value).

Vouchers implement it today (``vouchers/collateral.py``, kind ``voucher``: an asset is a fragment);
receivables, warehouse receipts and orders will each add an implementation and one line to ``_BUILTIN``.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from lianrong.kernel import errors


@dataclass(frozen=True)
class Asset:
    """One asset offered as collateral, as the financing core sees it."""

    kind: str
    id: str
    holder_id: str
    core_id: str  # the obligor: who pays the asset at maturity
    face_fen: int
    maturity_on: dt.date
    bank_id: str | None = None  # the bank the asset names (a financing's default bank), if any


@runtime_checkable
class Collateral(Protocol):
    """The assets of one kind, as a financing uses them. Every method runs inside the caller's unit of work."""

    kind: str

    def load(self, uow: Any, asset_ids: Sequence[str], *, actor: Any) -> list[Asset]:
        """The assets, locked for the rest of the unit of work, in the order given; one outside the actor's
        scope is not found (the system actor sees all); an empty or repeated list is validation.failed."""
        ...

    def check_eligible(self, ctx: Any, uow: Any, assets: Sequence[Asset], *, applicant_id: str) -> None:
        """Refuse assets the applicant may not finance today (not its own, not live, matured)."""
        ...

    def reserve(
        self, ctx: Any, uow: Any, assets: Sequence[Asset], *, financing_id: str, actor: Any, details: Mapping[str, Any]
    ) -> None:
        """Freeze the assets for an application; ``details`` go into what is recorded about it."""
        ...

    def record(
        self,
        ctx: Any,
        uow: Any,
        assets: Sequence[Asset],
        *,
        financing_id: str,
        actor: Any,
        op: str,
        details: Mapping[str, Any],
    ) -> None:
        """Record a step of the financing (an approval) on the assets' history, changing nothing else."""
        ...

    def release(
        self,
        ctx: Any,
        uow: Any,
        assets: Sequence[Asset],
        *,
        financing_id: str,
        actor: Any,
        op: str,
        details: Mapping[str, Any],
    ) -> None:
        """Give reserved assets back to their holder (a rejection or an expiry)."""
        ...

    def check_assignable(self, ctx: Any, uow: Any, assets: Sequence[Asset], *, today: dt.date) -> None:
        """Refuse to disburse on assets that can no longer be assigned (matured, no longer live)."""
        ...

    def assign(
        self,
        ctx: Any,
        uow: Any,
        assets: Sequence[Asset],
        *,
        financing_id: str,
        actor: Any,
        bank_id: str,
        details: Mapping[str, Any],
    ) -> None:
        """On disbursement, the reserved assets become the bank's (it is paid at maturity)."""
        ...

    def contracts(self, uow: Any, asset_ids: Sequence[str]) -> list[str]:
        """The trade contracts behind the assets, in a stable order (their documents back the review)."""
        ...


#: the kinds shipped with the platform, imported on first use (so that this module imports no feature)
_BUILTIN: dict[str, str] = {"voucher": "lianrong.vouchers.collateral:VoucherCollateral"}

_registry: dict[str, Collateral] = {}


def register(implementation: Collateral) -> None:
    """Make a kind of collateral available to financing (a later registration of a kind replaces it)."""
    if not isinstance(implementation, Collateral):
        raise TypeError(f"{implementation!r} does not implement the collateral protocol")
    _registry[implementation.kind] = implementation


def kinds() -> tuple[str, ...]:
    """Every kind of collateral a financing may be secured by."""
    return tuple(sorted(set(_BUILTIN) | set(_registry)))


def collateral(kind: str) -> Collateral:
    """The implementation of ``kind``; validation.failed for a kind nothing implements."""
    if kind not in _registry and kind in _BUILTIN:
        module, _, name = _BUILTIN[kind].partition(":")
        register(getattr(importlib.import_module(module), name)())
    try:
        return _registry[kind]
    except KeyError:
        raise errors.ValidationFailed(reason=f"unknown collateral kind {kind!r} / 未知的融资资产类型") from None
