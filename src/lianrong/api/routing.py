"""The API's route class: a plain ``def`` route runs in a worker thread, and only it.

FastAPI runs a plain ``def`` endpoint in the thread pool and then, for such an endpoint, validates and
serialises its answer (``response_model``) in the thread pool again: two hand-offs to a thread and back
per request, each costing more than the validation itself. ``ApiRoute`` gives FastAPI an ``async def``
wrapper of the same signature, name and docstring that awaits the endpoint in the thread pool, so the
answer is validated on the event loop: one hand-off per request, none for an ``async def`` route. The
OpenAPI document and every behaviour of the route are unchanged.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from typing import Any

from fastapi.routing import APIRoute, APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.routing import Match


def in_thread(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """An ``async def`` wrapper awaiting the plain ``def`` ``endpoint`` in the thread pool (an ``async def``
    endpoint is returned as it is)."""
    if inspect.iscoroutinefunction(endpoint) or not inspect.isfunction(endpoint):
        return endpoint

    @functools.wraps(endpoint)  # name, docstring, __wrapped__: FastAPI reads the signature through it
    async def awaited(*args: Any, **kwargs: Any) -> Any:
        return await run_in_threadpool(endpoint, *args, **kwargs)

    return awaited


class ApiRoute(APIRoute):
    """An ``APIRoute`` whose plain ``def`` endpoint runs in the thread pool and its answer's validation on
    the event loop (see the module docstring)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, in_thread(endpoint), **kwargs)


class ApiRouter(APIRouter):
    """A feature's router: its routes are ``ApiRoute``s, and a request whose path cannot be one of them is
    turned away before they are tried.

    FastAPI finds a request's route by trying the routes of every included router in turn, three times
    over (to match, then to handle, at each level of inclusion): a request for the last feature tried every
    route of the ones before it. Each route here starts with a fixed first segment (``/auth/…``,
    ``/vouchers/…``); a path in which none of this router's first segments appears as a segment is no
    match for any of its routes, whatever prefix the router is included under, so ``matches`` says so at
    once. A router with a route that starts with a parameter is always tried in full.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("route_class", ApiRoute)
        super().__init__(**kwargs)
        self._segments: tuple[int, re.Pattern[str] | None] | None = None

    def _segment_pattern(self) -> re.Pattern[str] | None:
        known = self._segments
        if known is not None and known[0] == len(self.routes):
            return known[1]
        firsts: set[str] = set()
        for route in self.routes:
            path = getattr(route, "path", None)
            first = path.split("/")[1] if isinstance(path, str) and path.startswith("/") else ""
            if not isinstance(route, APIRoute) or not first or "{" in first:
                firsts = set()
                break
            firsts.add(first)
        pattern = re.compile("/(?:" + "|".join(map(re.escape, sorted(firsts))) + ")(?:/|$)") if firsts else None
        self._segments = (len(self.routes), pattern)
        return pattern

    def matches(self, scope: Any) -> tuple[Match, Any]:
        pattern = self._segment_pattern()
        if pattern is not None and scope.get("type") == "http" and not pattern.search(scope.get("path", "")):
            return Match.NONE, {}
        return super().matches(scope)
