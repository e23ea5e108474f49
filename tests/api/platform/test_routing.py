"""The API's routers: a path is turned away early only when none of a router's routes could match it, and a
plain ``def`` route runs in a worker thread while its answer is validated on the event loop."""

from __future__ import annotations

import inspect
import re

from starlette.routing import Match

from lianrong.api.routing import ApiRoute, ApiRouter
from lianrong.entrypoints.api.routers import ROUTERS


def _example(path: str) -> str:
    return "/api/v1" + re.sub(r"\{[^}]+\}", "x1", path)


def test_every_route_of_every_feature_router_is_still_found_under_the_api_prefix():
    for router in ROUTERS:
        assert isinstance(router, ApiRouter)
        pattern = router._segment_pattern()
        assert pattern is not None, router.prefix  # every feature's routes start with a fixed segment
        for route in router.routes:
            assert pattern.search(_example(route.path)), route.path


def test_a_router_turns_away_only_paths_none_of_its_first_segments_can_match():
    auth = next(r for r in ROUTERS if r.prefix == "/auth")
    scope = {"type": "http", "path": "/api/v1/vouchers/x1", "method": "GET"}
    assert auth.matches(scope) == (Match.NONE, {})
    assert auth._segment_pattern().search("/api/v1/auth/me")
    assert not auth._segment_pattern().search("/api/v1/authority")


def test_a_router_with_a_route_starting_with_a_parameter_is_always_tried_in_full():
    router = ApiRouter()

    @router.get("/{anything}")
    async def anything_at_all(anything: str) -> dict:
        return {}

    assert router._segment_pattern() is None


def test_a_plain_route_is_awaited_in_a_thread_with_its_own_name_doc_and_signature():
    routes = [route for router in ROUTERS for route in router.routes]
    assert routes and all(isinstance(route, ApiRoute) for route in routes)
    plain = [route for route in routes if hasattr(route.endpoint, "__wrapped__")]
    assert plain  # most routes read the database: a worker thread
    for route in plain:
        original = route.endpoint.__wrapped__
        assert inspect.iscoroutinefunction(route.endpoint) and not inspect.iscoroutinefunction(original)
        assert route.endpoint.__name__ == original.__name__ and route.endpoint.__doc__ == original.__doc__
        assert inspect.signature(route.endpoint) == inspect.signature(original)
