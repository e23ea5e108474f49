"""Parties, users, onboarding at a bank, core-enterprise designation, the customer ledger and LPR."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from lianrong.accounts import directory
from lianrong.accounts.directory import UserAccount
from lianrong.api.deps import (
    Ctx,
    CurrentActor,
    IdempotencyKey,
    IdParam,
    Paging,
    PartyQuery,
    WritingActor,
)
from lianrong.api.routing import ApiRouter
from lianrong.parties import designations
from lianrong.parties import queries as party_queries
from lianrong.parties import service as parties
from lianrong.parties.queries import LprEntry, Party
from lianrong.parties.schemas import (
    DesignationCreate,
    DesignationPage,
    DesignationRead,
    LedgerCreate,
    LedgerRead,
    LprCreate,
    LprPage,
    LprRead,
    OnboardingCreate,
    OnboardingRead,
    PartyCreate,
    PartyKind,
    PartyPage,
    PartyRead,
    Role,
    UserCreate,
    UserPage,
    UserRead,
)
from lianrong.platform.pages import Page

router = ApiRouter(tags=["parties"])


@router.get("/parties", response_model=PartyPage)
def list_parties(
    ctx: Ctx,
    actor: CurrentActor,
    page: Paging,
    kind: PartyKind | None = None,
    q: Annotated[str | None, Query(min_length=1, max_length=100, pattern=r"^[^\x00]*$")] = None,
) -> Page[Party]:
    """The party register (names, USCCs and kinds are public registry data), searchable by name or USCC."""
    return party_queries.page_parties(ctx, viewer=actor, kind=kind, q=q, limit=page.limit, offset=page.offset)


@router.post("/parties", response_model=PartyRead, status_code=201)
def register_party(body: PartyCreate, ctx: Ctx, actor: WritingActor, key: IdempotencyKey) -> parties.RegisteredParty:
    """Register an enterprise, bank or office by its 统一社会信用代码 (the district administrator only)."""
    return parties.register_party(
        ctx,
        actor=actor,
        kind=body.kind,
        uscc=body.uscc,
        name=body.name,
        short_name=body.short_name,
        idempotency_key=key,
    )


@router.get("/parties/{party}", response_model=PartyRead)
def get_party(party: IdParam, ctx: Ctx, actor: CurrentActor) -> Party:
    """One party by id or USCC."""
    return party_queries.party(ctx, viewer=actor, ref=party)


@router.post("/parties/{party}/users", response_model=UserRead, status_code=201)
def add_user(party: IdParam, body: UserCreate, ctx: Ctx, actor: WritingActor, key: IdempotencyKey) -> parties.NewUser:
    """Add a user to an organisation (its admin, or the district administrator), optionally with a password."""
    return parties.add_user(
        ctx,
        actor=actor,
        party=party,
        username=body.username,
        display_name=body.display_name,
        role=body.role,
        password=body.password,
        idempotency_key=key,
    )


@router.get("/users", response_model=UserPage)
def list_users(
    ctx: Ctx, actor: CurrentActor, page: Paging, role: Role | None = None, active: bool | None = None
) -> Page[UserAccount]:
    """The users of the caller's own organisation, by user name (its admin and approvers only)."""
    return directory.page_users(ctx, actor=actor, role=role, active=active, limit=page.limit, offset=page.offset)


@router.post("/onboarding", response_model=OnboardingRead)
def onboard(body: OnboardingCreate, ctx: Ctx, actor: WritingActor, key: IdempotencyKey) -> parties.Onboarding:
    """The bank records a party's settlement account, corporate e-banking and U盾 (all three to take part)."""
    return parties.onboard(
        ctx,
        actor=actor,
        bank=body.bank or actor.party_id,
        party=body.party,
        settlement_account=body.settlement_account,
        ebanking=body.ebanking,
        certificate=body.certificate,
        idempotency_key=key,
    )


@router.get("/cores", response_model=DesignationPage)
def list_designations(
    ctx: Ctx, actor: CurrentActor, page: Paging, bank: PartyQuery = None, core: PartyQuery = None
) -> Page[designations.Designation]:
    """Core-enterprise designations and their financing parameters (for the bank, the core, its suppliers)."""
    return designations.page_designations(ctx, actor=actor, bank=bank, core=core, limit=page.limit, offset=page.offset)


@router.post("/cores", response_model=DesignationRead)
def designate_core(
    body: DesignationCreate, ctx: Ctx, actor: WritingActor, key: IdempotencyKey
) -> designations.CoreDesignation:
    """The bank designates a core enterprise (核定), or updates the financing parameters sent (the others are kept)."""
    return designations.designate_core(
        ctx,
        actor=actor,
        bank=body.bank or actor.party_id,
        core=body.core,
        max_ratio=body.max_ratio,
        max_term_days=body.max_term_days,
        min_split_fen=body.min_split_fen,
        max_tier=body.max_tier,
        spread=body.spread,
        idempotency_key=key,
    )


@router.post("/cores/{core}/ledger", response_model=LedgerRead)
def import_ledger(
    core: IdParam, body: LedgerCreate, ctx: Ctx, actor: WritingActor, key: IdempotencyKey
) -> designations.LedgerImport:
    """Import suppliers into the bank's customer ledger of a core enterprise (all or nothing)."""
    return designations.import_ledger(
        ctx,
        actor=actor,
        bank=body.bank or actor.party_id,
        core=core,
        suppliers=[s.model_dump(exclude_none=True) for s in body.suppliers],
        idempotency_key=key,
    )


@router.get("/lpr", response_model=LprPage)
def list_lpr(ctx: Ctx, actor: CurrentActor, page: Paging, bank: PartyQuery = None) -> Page[LprEntry]:
    """LPR entries, newest first: a bank's own, an enterprise's banks' (customer or core there), the overseers' all."""
    return party_queries.page_lpr(ctx, viewer=actor, bank=bank, limit=page.limit, offset=page.offset)


@router.post("/lpr", response_model=LprRead)
def set_lpr(body: LprCreate, ctx: Ctx, actor: WritingActor, key: IdempotencyKey) -> designations.LprSet:
    """The bank records its LPR entry in force from a date (pricing is LPR + spread)."""
    return designations.set_lpr(
        ctx,
        actor=actor,
        bank=body.bank or actor.party_id,
        effective_on=body.effective_on,
        rate=body.rate,
        idempotency_key=key,
    )
