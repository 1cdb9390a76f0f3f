"""Typed job arguments: a job's annotations checked at enqueue and at perform.

Ruby sends JSON. A job registered with ``typed=True`` (or in a registry made with
``Registry(typed=True)``) has each argument converted to the type its parameter
names, with msgspec's rules: a JSON object becomes the dataclass, msgspec Struct or
TypedDict annotated, strings become ``datetime``/``date``/``UUID``/``Decimal`` where
annotated, containers are converted element by element. ``typed="lax"`` also takes
what Ruby code often sends as strings (``"44"`` for 44, ``"true"`` for True), as
msgspec's ``strict=False`` does. Ruby's ``Time#to_s`` form (``2026-12-05 10:00:00
+0100``, what the json gem writes for a Time) is read wherever a datetime is
annotated, in both modes.

A mismatch raises :class:`JobArgumentError` naming the parameter, the path inside
it and the expected type (``meta.tags[1]: expected str, got int``): at perform the
job fails before its function runs (its payload bytes kept, so a fix and a retry is
all it takes); at enqueue nothing reaches Redis.

Jobs without ``typed`` never reach this module: the worker and the producers test
one attribute of the job's spec.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import msgspec

from ..errors import JobArgumentError

#: The modes ``typed=`` takes: strict JSON rules, or lax (strings for numbers and booleans).
TypedMode = Literal["strict", "lax"]

_MSGSPEC_PATH = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_PATH_PART = re.compile(r"\.([^.\[]+)|\[(\d+)\]")
# Ruby's Time#to_s: what the json gem (no ActiveSupport) writes for a Time argument
_RUBY_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?) ([+-]\d{2})(\d{2})$")
# how many Ruby time strings one argument may have fixed up before the error stands
_MAX_TIME_FIXES = 1000


def typed_mode(value: bool | str | None) -> TypedMode | None:
    """``typed=``'s value as a mode: True -> "strict", "lax" -> "lax", False/None -> None."""
    if value is None or value is False:
        return None
    if value is True or value == "strict":
        return "strict"
    if value == "lax":
        return "lax"
    raise ValueError(f"typed= takes True, False, 'strict' or 'lax', not {value!r}")


@dataclass(frozen=True)
class _Param:
    name: str
    kind: inspect._ParameterKind
    annotation: Any  # the resolved type, or inspect.Parameter.empty


class ArgumentTypes:
    """A callable's parameters and their resolved annotations, built once per job."""

    def __init__(self, fn: Callable[..., Any], mode: TypedMode) -> None:
        self.mode = mode
        self.strict = mode == "strict"
        self.signature = inspect.signature(fn)
        try:
            hints = typing.get_type_hints(fn, include_extras=True)
        except Exception as exc:  # noqa: BLE001 - a forward reference that does not resolve
            raise TypeError(f"typed job {getattr(fn, '__qualname__', fn)!r}: its annotations do not resolve: "
                            f"{exc}") from exc
        self.params = {
            name: _Param(name, p.kind, hints.get(name, inspect.Parameter.empty))
            for name, p in self.signature.parameters.items()
        }
        # the common shape (positional parameters, no */**) converts in one msgspec call
        plain = [p for p in self.signature.parameters.values() if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
        self._positional_only_shape = len(plain) == len(self.params)
        self._names = [p.name for p in plain]
        self._required = sum(p.default is inspect.Parameter.empty for p in plain)
        self._tuples: dict[int, Any] = {}
        shown = [("*" if p.kind is p.VAR_POSITIONAL else "**" if p.kind is p.VAR_KEYWORD else "") + p.name
                 for p in self.signature.parameters.values()]
        self.shape = f"{getattr(fn, '__name__', 'job')}({', '.join(shown)})"

    def convert(self, args: list[Any], kwargs: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
        """Arguments as read from JSON, converted to the annotated types (perform side)."""
        if not kwargs and self._positional_only_shape and self._required <= len(args) <= len(self._names):
            return self._convert_positional(args), {}
        bound = self._bind(args, kwargs)
        self._map(bound, self._convert, skip_unannotated=True)
        return list(bound.args), dict(bound.kwargs)

    def validate(self, args: tuple[Any, ...] | list[Any], kwargs: dict[str, Any] | None = None) -> None:
        """Python values checked against the annotations, unchanged (ActiveJob's enqueue,
        whose own serializers then write them)."""
        self._map(self._bind(list(args), dict(kwargs or {})), self._convert, skip_unannotated=True)

    def check(self, args: tuple[Any, ...] | list[Any], kwargs: dict[str, Any] | None = None
              ) -> tuple[list[Any], dict[str, Any]]:
        """Python values checked against the annotations and turned into what JSON carries
        (dataclasses and Structs as objects): the enqueue side. Raises JobArgumentError."""
        bound = self._bind(list(args), dict(kwargs or {}))
        self._map(bound, self._outgoing, skip_unannotated=False)
        return list(bound.args), dict(bound.kwargs)

    # -- helpers ----------------------------------------------------------------
    def _map(self, bound: inspect.BoundArguments, fn: Callable[[str, Any, Any], Any], *,
             skip_unannotated: bool) -> None:
        """``fn(where, value, annotation)`` over every bound argument, element by element for
        ``*args`` and ``**kwargs``, its results put back in ``bound``."""
        for name, value in bound.arguments.items():
            param = self.params[name]
            if skip_unannotated and param.annotation is inspect.Parameter.empty:
                continue
            if param.kind is inspect.Parameter.VAR_POSITIONAL:
                bound.arguments[name] = tuple(fn(f"{name}[{i}]", item, param.annotation)
                                              for i, item in enumerate(value))
            elif param.kind is inspect.Parameter.VAR_KEYWORD:
                bound.arguments[name] = {key: fn(f"{name}.{key}", item, param.annotation)
                                         for key, item in value.items()}
            else:
                bound.arguments[name] = fn(name, value, param.annotation)

    def _convert_positional(self, args: list[Any]) -> list[Any]:
        n = len(args)
        shape = self._tuples.get(n)
        if shape is None:
            types = [self.params[name].annotation for name in self._names[:n]]
            shape = self._tuples[n] = tuple.__class_getitem__(
                tuple(Any if t is inspect.Parameter.empty else t for t in types))
        try:
            return list(msgspec.convert(args, shape, strict=self.strict, dec_hook=_same_type))
        except msgspec.ValidationError:
            pass  # name the parameter: convert one at a time (the error path only)
        return [self._convert(name, value, self.params[name].annotation)
                if self.params[name].annotation is not inspect.Parameter.empty else value
                for name, value in zip(self._names, args)]

    def _bind(self, args: list[Any], kwargs: dict[str, Any]) -> inspect.BoundArguments:
        try:
            return self.signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise JobArgumentError(f"arguments do not fit {self.shape}: {exc}") from None

    def _outgoing(self, where: str, value: Any, annotation: Any) -> Any:
        try:
            plain = msgspec.to_builtins(value)
        except (TypeError, msgspec.EncodeError) as exc:
            raise JobArgumentError(f"{where}: cannot be sent as JSON: {exc}") from None
        if annotation is not inspect.Parameter.empty:
            self._convert(where, plain, annotation)
        return plain

    def _convert(self, where: str, value: Any, annotation: Any) -> Any:
        strict = self.strict
        for _ in range(_MAX_TIME_FIXES):
            try:
                return msgspec.convert(value, annotation, strict=strict, dec_hook=_same_type)
            except msgspec.ValidationError as exc:
                message, path = _split(str(exc))
                fixed = _ruby_time_fixed(value, path) if "datetime" in message else None
                if fixed is None:
                    raise JobArgumentError(f"{where}{path}: {_lower_first(message)}") from None
                value = fixed
        raise JobArgumentError(f"{where}: too many Ruby time strings to convert")


def _same_type(annotation: Any, value: Any) -> Any:
    # a custom class msgspec does not know (a GlobalID record, say) passes as itself
    if isinstance(annotation, type) and isinstance(value, annotation):
        return value
    raise TypeError(f"expected {getattr(annotation, '__name__', annotation)}, got {type(value).__name__}")


def _split(text: str) -> tuple[str, str]:
    match = _MSGSPEC_PATH.match(text)
    assert match is not None  # the pattern matches any text
    return match["message"].replace("`", ""), match["path"] or ""


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _ruby_time_fixed(value: Any, path: str) -> Any | None:
    """``value`` with the string at ``path`` rewritten from Ruby's Time#to_s to RFC 3339,
    or None when there is no such string there."""
    steps: list[str | int] = [m[1] if m[1] is not None else int(m[2]) for m in _PATH_PART.finditer(path)]

    def rewrite(node: Any, rest: list[str | int]) -> Any | None:
        if not rest:
            if not isinstance(node, str):
                return None
            match = _RUBY_TIME.match(node)
            if match is None:
                return None
            iso = f"{match[1]}T{match[2]}{match[3]}:{match[4]}"
            try:
                datetime.fromisoformat(iso)
            except ValueError:
                return None
            return iso
        head, tail = rest[0], rest[1:]
        if isinstance(node, list) and isinstance(head, int) and head < len(node):
            inner = rewrite(node[head], tail)
            return None if inner is None else [*node[:head], inner, *node[head + 1:]]
        if isinstance(node, dict) and isinstance(head, str) and head in node:
            inner = rewrite(node[head], tail)
            return None if inner is None else {**node, head: inner}
        return None

    return rewrite(value, steps)
