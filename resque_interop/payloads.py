"""The shapes Resque stores, as msgspec Structs in Ruby's field order.

Reading tolerates what any peer writes (extra fields, node-resque's ``queue``
field, ``args`` as ``{}``); writing always produces Ruby's shape.
"""

from __future__ import annotations

from typing import Any

import msgspec


class JobPayload(msgspec.Struct):
    """``{"class":"Archive","args":[44,"masterbrew"]}`` as ``Resque.push`` stores it."""

    class_: str = msgspec.field(name="class")
    args: list[Any] = msgspec.field(default_factory=list)


class WorkingOn(msgspec.Struct):
    """``worker:<id>``: what a worker is doing now."""

    queue: str
    run_at: str
    payload: Any


class HeldJob(msgspec.Struct):
    """``worker:<id>`` read back as stored: the payload kept as its raw bytes."""

    queue: str
    run_at: str
    payload: msgspec.Raw


class FailureEntry(msgspec.Struct, omit_defaults=True):
    """One entry of a failure list, fields in Ruby's order."""

    failed_at: str
    payload: Any
    exception: str
    error: str
    backtrace: list[str]
    worker: str
    queue: str
    failure_id: str | None = None


def job_args(payload: Any) -> list[Any]:
    """The ``args`` of a decoded payload; node-resque's Lua writes an empty list as ``{}``."""
    if not isinstance(payload, dict):
        return []
    args = payload.get("args")
    if isinstance(args, list):
        return args
    if args is None or args == {}:
        return []
    return [args]


def job_class(payload: Any) -> str | None:
    """The ``class`` of a decoded payload, if it has one."""
    if isinstance(payload, dict):
        value = payload.get("class")
        return value if isinstance(value, str) else None
    return None


class PayloadView:
    """``class_name`` and ``args`` of an object holding a decoded ``payload``."""

    __slots__ = ()
    payload: Any

    @property
    def class_name(self) -> str | None:
        """The payload's ``class``."""
        return job_class(self.payload)

    @property
    def args(self) -> list[Any]:
        """The payload's ``args`` as stored."""
        return job_args(self.payload)
