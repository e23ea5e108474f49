"""Parties' vocabularies (pure: no database, no I/O): the kinds of organisation and the roles of their users."""

from __future__ import annotations

from enum import StrEnum


class PartyKind(StrEnum):
    ENTERPRISE = "enterprise"
    BANK = "bank"
    DISTRICT = "district"  # the district office (区金融办)
    CHAIN_OFFICE = "chain_office"
    GUARANTOR = "guarantor"


class Role(StrEnum):
    """A user's role within its organisation (``system`` is the platform's own actor, never a user's)."""

    OPERATOR = "operator"
    APPROVER = "approver"
    VIEWER = "viewer"
    ADMIN = "admin"


class LprState(StrEnum):
    """Where a bank's LPR entry stands on a day."""

    IN_FORCE = "in_force"  # the entry financings are priced with
    FUTURE = "future"  # scheduled later
    PAST = "past"  # superseded


#: the id prefix of each kind of party
ID_PREFIX: dict[PartyKind, str] = {
    PartyKind.ENTERPRISE: "ent",
    PartyKind.BANK: "bnk",
    PartyKind.DISTRICT: "gov",
    PartyKind.CHAIN_OFFICE: "gov",
    PartyKind.GUARANTOR: "gua",
}
