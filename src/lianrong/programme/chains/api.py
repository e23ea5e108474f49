"""Industrial chains, their offices and members: ``/api/v1/programme/chains…`` (scope: ``chains/__init__``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import File, Path, Query, UploadFile
from fastapi.responses import Response

from lianrong.api.deps import Ctx, CurrentActor, IdempotencyKey, WritingActor
from lianrong.api.routing import ApiRouter
from lianrong.api.uploads import read_upload
from lianrong.programme.chains import members_xlsx, queries
from lianrong.programme.chains import service as chains
from lianrong.programme.chains.schemas import (
    ChainCreate,
    ChainDetailRead,
    ChainRead,
    ChainSavedRead,
    ChainUpdate,
    MemberCreate,
    MemberRemove,
    MemberSavedRead,
    MembershipRead,
    MembersImportRead,
    MemberUpdate,
)

router = ApiRouter(prefix="/programme/chains", tags=["programme"])

ChainParam = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="the chain's id or code")]
PartyParam = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="the party's id or USCC")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("", response_model=list[ChainRead])
def list_chains(ctx: Ctx, actor: CurrentActor) -> list[queries.ChainSummary]:
    """The chains the caller may see, in order, with their current members' counts."""
    return queries.chains(ctx, viewer=actor)


@router.post("", response_model=ChainSavedRead, status_code=201)
def create_chain(body: ChainCreate, ctx: Ctx, actor: WritingActor, key: IdempotencyKey) -> chains.ChainSaved:
    """The district office sets up a chain with its chain office."""
    return chains.create_chain(ctx, actor=actor, **body.model_dump(), idempotency_key=key)


@router.get("/memberships/{party}", response_model=list[MembershipRead])
def memberships(party: PartyParam, ctx: Ctx, actor: CurrentActor) -> list[queries.Membership]:
    """The chains a party currently belongs to (as the caller may see them)."""
    return queries.members_of(ctx, viewer=actor, party=party)


@router.get("/{chain}", response_model=ChainDetailRead)
def show_chain(
    chain: ChainParam, ctx: Ctx, actor: CurrentActor, former: Annotated[bool, Query()] = False
) -> queries.ChainDetail:
    """A chain: members by role and tier, counts, and the graph of supply relations with their amounts."""
    return queries.chain(ctx, viewer=actor, chain=chain, former=former)


@router.post("/{chain}", response_model=ChainSavedRead)
def update_chain(
    chain: ChainParam, body: ChainUpdate, ctx: Ctx, actor: WritingActor, key: IdempotencyKey
) -> chains.ChainSaved:
    """The district office changes a chain (absent fields unchanged)."""
    return chains.update_chain(ctx, actor=actor, chain=chain, **body.model_dump(), idempotency_key=key)


@router.post("/{chain}/members", response_model=MemberSavedRead, status_code=201)
def add_member(
    chain: ChainParam, body: MemberCreate, ctx: Ctx, actor: WritingActor, key: IdempotencyKey
) -> chains.MemberSaved:
    """The chain's office (or the district office) adds an enterprise with a role and a tier."""
    return chains.add_member(ctx, actor=actor, chain=chain, **body.model_dump(), idempotency_key=key)


@router.post("/{chain}/members/{party}", response_model=MemberSavedRead)
def update_member(
    chain: ChainParam, party: PartyParam, body: MemberUpdate, ctx: Ctx, actor: WritingActor, key: IdempotencyKey
) -> chains.MemberSaved:
    """The chain's office (or the district office) changes a member's role, tier or note."""
    return chains.update_member(ctx, actor=actor, chain=chain, party=party, **body.model_dump(), idempotency_key=key)


@router.post("/{chain}/members/{party}/leave", response_model=MemberSavedRead)
def remove_member(
    chain: ChainParam, party: PartyParam, body: MemberRemove, ctx: Ctx, actor: WritingActor, key: IdempotencyKey
) -> chains.MemberSaved:
    """The chain's office (or the district office) records that a member left (kept, with ``left_on``)."""
    return chains.remove_member(ctx, actor=actor, chain=chain, party=party, **body.model_dump(), idempotency_key=key)


@router.post("/{chain}/members.xlsx", response_model=MembersImportRead)
def import_members(
    chain: ChainParam,
    file: Annotated[UploadFile, File(description="the members workbook (.xlsx)")],
    ctx: Ctx,
    actor: WritingActor,
    key: IdempotencyKey,
) -> members_xlsx.MembersImport:
    """Import members from a workbook, all or nothing; a refusal lists every problem in ``details.rows``."""
    content = read_upload(ctx, file)
    return members_xlsx.import_members_xlsx(ctx, actor=actor, chain=chain, content=content, idempotency_key=key)


@router.get("/{chain}/members.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}}})
def export_members(
    chain: ChainParam, ctx: Ctx, actor: CurrentActor, former: Annotated[bool, Query()] = False
) -> Response:
    """The chain's members as a workbook (the import's columns)."""
    data = members_xlsx.export_members_xlsx(ctx, viewer=actor, chain=chain, former=former)
    name = f"chain-{chain}-members-{ctx.clock.today():%Y%m%d}.xlsx"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})
