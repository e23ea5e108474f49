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
from collections.abc import Callable
from typing import Any

from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool


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
