"""Typed results: a use case returns a frozen dataclass; its recorded form (idempotency replays) is JSON.

``run_typed(ctx, cls, key=…, operation=…, request=…, body=…)`` runs ``run_idempotent`` and hands back an instance
of ``cls`` whether the body ran now or the result was recorded by an earlier call with the same key. The body
may return the instance itself or a mapping of its fields. ``record(value)`` is a result's JSON form (dates
as ISO text, enums as their values, tuples as lists, nested results as objects); ``rebuild(cls, data)``
reads it back, by the dataclass's annotations, so a replay is the same value as the first answer.

Read models use the same two functions where they are cached or exported as JSON.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import types
import typing
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from lianrong.adapters.db.uow import UnitOfWork
from lianrong.platform.common import run_idempotent
from lianrong.platform.context import Context

T = TypeVar("T")

__all__ = ["rebuild", "record", "run_typed"]


def record(value: Any) -> Any:
    """A result's JSON form: dataclasses as objects, dates as ISO text, enums as values, tuples as lists."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value.value if isinstance(value, enum.Enum) else value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: record(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return record(value.value)
    if isinstance(value, Mapping):
        return {str(k): record(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [record(v) for v in value]
    raise TypeError(f"{type(value).__name__} is not a result value")


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _convert(tp: Any, value: Any) -> Any:  # noqa: PLR0911 - one branch per kind of annotation
    if value is None or tp is Any:
        return value
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        return _convert(options[0], value) if len(options) == 1 else value
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], v) for v in value)
        return tuple(_convert(a, v) for a, v in zip(args, value, strict=True))
    if origin is list:
        (arg,) = typing.get_args(tp) or (Any,)
        return [_convert(arg, v) for v in value]
    if origin in (dict, Mapping):
        args = typing.get_args(tp) or (Any, Any)
        return {k: _convert(args[1], v) for k, v in value.items()}
    if isinstance(tp, type):
        if isinstance(value, tp):
            return value
        if dataclasses.is_dataclass(tp):
            return rebuild(tp, value)
        if tp is dt.datetime:
            return dt.datetime.fromisoformat(value)
        if tp is dt.date:
            return dt.date.fromisoformat(value)
        if tp is Decimal:
            return Decimal(value)
        if issubclass(tp, enum.Enum):
            return tp(value)
    return value


def rebuild(cls: type[T], data: Mapping[str, Any]) -> T:
    """An instance of the dataclass ``cls`` from its JSON form (or from a mapping of its fields as they are)."""
    hints = _hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: _convert(hints[k], v) for k, v in data.items() if k in names})


def run_typed(
    ctx: Context,
    cls: type[T],
    *,
    key: str | None,
    operation: str,
    request: Mapping[str, Any],
    body: Callable[[UnitOfWork], T | Mapping[str, Any]],
    **options: Any,
) -> T:
    """``run_idempotent`` for a use case whose result is the dataclass ``cls`` (see the module's text)."""
    done = run_idempotent(
        ctx,
        key=key,
        operation=operation,
        request=request,
        body=lambda uow: record(body(uow)),
        plain_result=True,
        **options,
    )
    return rebuild(cls, done)
