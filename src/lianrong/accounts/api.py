"""Log in and out (session cookie + CSRF token), who am I, and API tokens."""

from __future__ import annotations

from fastapi import Request, Response

from lianrong.accounts import directory
from lianrong.accounts import errors as accounts_errors
from lianrong.accounts import service as accounts
from lianrong.accounts.directory import TokenInfo
from lianrong.accounts.results import IssuedToken, RevokedToken
from lianrong.accounts.schemas import (
    LoginCreate,
    LoginRead,
    MeRead,
    TokenCreate,
    TokenCreated,
    TokenPage,
    TokenRevoked,
)
from lianrong.api.deps import (
    SESSION_COOKIE,
    Ctx,
    CurrentActor,
    CurrentCaller,
    IdParam,
    Paging,
    count_login_attempt,
)
from lianrong.api.routing import ApiRouter
from lianrong.platform.pages import Page
from lianrong.settings import secure_transport

router = ApiRouter(prefix="/auth", tags=["auth"])


def _me(principal: accounts.Principal, via: str) -> MeRead:
    a = principal.actor
    return MeRead(
        user_id=a.user_id,
        username=principal.username,
        display_name=principal.display_name,
        role=a.role,
        party_id=a.party_id,
        party_name=principal.party_name,
        party_kind=principal.party_kind,
        is_core=principal.is_core,
        auth=via,
    )


@router.post("/login", response_model=LoginRead)
def login(body: LoginCreate, request: Request, response: Response, ctx: Ctx) -> LoginRead:
    """Check the user name and password and start a session (cookie ``lr_session``, HttpOnly, SameSite=Lax,
    ``Secure`` over HTTPS).

    Attempts are throttled per client address (429 ``rate.limited``) and per user name, known or not:
    after five failures each next attempt of that name waits a growing delay, one minute doubling up to
    fifteen (429 ``auth.locked`` with ``Retry-After``, even for the right password). Send the returned
    ``csrf_token`` as ``X-CSRF-Token`` on every cookie-authenticated change.
    """
    count_login_attempt(request, ctx)
    principal = accounts.authenticate(ctx, username=body.username, password=body.password)
    secret, csrf = accounts.open_session(ctx, principal=principal)
    ttl = int(accounts.SESSION_TTL.total_seconds())
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=ttl,
        httponly=True,
        samesite="lax",
        path="/",
        secure=secure_transport(ctx.settings, request.url.scheme),
    )
    return LoginRead(user=_me(principal, "session"), csrf_token=csrf, expires_at=ctx.clock.now() + accounts.SESSION_TTL)


@router.post("/logout", status_code=204, response_class=Response)
def logout(caller: CurrentCaller, request: Request, ctx: Ctx) -> Response:
    """End the session (a bearer token stays valid: revoke it with ``DELETE /auth/tokens/{id}``)."""
    if caller.via == "session":
        accounts.close_session(ctx, secret=request.cookies.get(SESSION_COOKIE))
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", response_model=MeRead)
async def me(caller: CurrentCaller) -> MeRead:  # no I/O: answered on the event loop
    """The calling user and its organisation."""
    return _me(caller.principal, caller.via)


@router.post("/tokens", response_model=TokenCreated, status_code=201)
def create_token(body: TokenCreate, caller: CurrentCaller, ctx: Ctx) -> IssuedToken:
    """A bearer token for the calling user; its secret is in this response only (never stored).

    Only a session started with the user's password may create one (403 ``auth.password_required`` for a
    bearer token): a leaked token cannot make itself successors that outlive its revocation.
    """
    if caller.via != "session":
        raise accounts_errors.TokenNeedsPassword()
    return accounts.issue_token(ctx, username=caller.principal.username, name=body.name)


@router.get("/tokens", response_model=TokenPage)
def list_tokens(ctx: Ctx, actor: CurrentActor, page: Paging, active: bool | None = None) -> Page[TokenInfo]:
    """The caller's own API tokens, newest first (``active=false``: the revoked ones); never a secret or its hash."""
    return directory.page_tokens(ctx, actor=actor, active=active, limit=page.limit, offset=page.offset)


@router.delete("/tokens/{token_id}", response_model=TokenRevoked)
def revoke_token(token_id: IdParam, caller: CurrentCaller, ctx: Ctx) -> RevokedToken:
    """Revoke a token (its owner, or an admin of the same organisation)."""
    return accounts.revoke_token(ctx, actor=caller.actor, token_id=token_id)
