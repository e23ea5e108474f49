"""The server-rendered console (Jinja2 + HTMX + vendored ECharts), installed into the FastAPI app."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from lianrong.platform.context import Context


def install(app: FastAPI, ctx: Context) -> None:
    """Mount the console's routes and static assets on the application (filled in by web/console)."""
    from lianrong.entrypoints.console.app import install as _install

    _install(app, ctx)
