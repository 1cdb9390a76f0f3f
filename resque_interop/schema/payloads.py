"""The shapes Resque stores, as msgspec Structs in Ruby's field order.

Reading tolerates what any peer writes (extra fields, node-resque's ``queue``
field, ``args`` as ``{}``); writing always produces Ruby's shape.
"""

from __future__ import annotations

import base64
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


class _PayloadBytes(msgspec.Struct):
    payload: msgspec.Raw = msgspec.Raw(b"")


def payload_bytes(entry: bytes) -> bytes | None:
    """The ``payload`` of a failure entry as its writer wrote it (another dialect's escapes and
    floats kept), or None when the entry is not a JSON object with one."""
    try:
        found = msgspec.json.decode(entry, type=_PayloadBytes)
    except (msgspec.DecodeError, RecursionError, ValueError):
        return None
    return bytes(found.payload) or None


def with_field(entry: bytes, name: str, value: bytes) -> bytes | None:
    """``entry`` (a JSON object) with ``"name":value`` appended, every other byte kept as written:
    what Ruby's decode, ``item[name] = value``, encode writes in the writer's own dialect. None when
    ``entry`` does not end an object."""
    text = entry.rstrip()
    if not text.endswith(b"}") or text.endswith(b"{}"):
        return None
    return text[:-1] + b',"' + name.encode() + b'":' + value + b"}"


def job_args(payload: Any) -> list[Any]:
    """The ``args`` of a decoded payload as Ruby's ``perform(*args)`` splats them: a list
    as it is, none as ``[]``, an object as its ``[key, value]`` pairs (so node-resque's
    ``{}`` for an empty list is ``[]``), any other value as the one argument."""
    if not isinstance(payload, dict):
        return []
    args = payload.get("args")
    if isinstance(args, list):
        return args
    if args is None:
        return []
    if isinstance(args, dict):
        return [[key, value] for key, value in args.items()]
    return [args]


def job_class(payload: Any) -> str | None:
    """The ``class`` of a decoded payload, if it has one."""
    if isinstance(payload, dict):
        value = payload.get("class")
        return value if isinstance(value, str) else None
    return None


ACTIVEJOB_WRAPPER = "ActiveJob::QueueAdapters::ResqueAdapter::JobWrapper"


def display_name(payload: Any) -> str:
    """The class a person means: ActiveJob's ``job_class`` for wrapped jobs."""
    name = job_class(payload)
    args = job_args(payload)
    if name == ACTIVEJOB_WRAPPER and args and isinstance(args[0], dict):
        inner = args[0].get("job_class")
        if isinstance(inner, str):
            return inner
    return name or "No Name"


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

    @property
    def display_name(self) -> str:
        """The class a person means: ActiveJob's ``job_class`` for wrapped jobs."""
        return display_name(self.payload)


def is_job(payload: Any) -> bool:
    """A payload Ruby's ``Resque::Job`` can run: an object with a string ``class``."""
    return isinstance(payload, dict) and isinstance(payload.get("class"), str)


def unrunnable_payload(raw: bytes, problem: str) -> dict[str, Any]:
    """What a failure entry holds for bytes that are not a job (not JSON, too deep, not an
    object with a class): ``class`` null, so that Ruby's ``Failure.requeue`` raises
    (``Resque::NoClassError``) instead of enqueueing some other job, the bytes kept in
    ``raw`` (UTF-8 text) or ``raw_base64`` (anything else) for Python's retry."""
    entry: dict[str, Any] = {"class": None, "args": [], "problem": problem}
    try:
        entry["raw"] = raw.decode("utf-8")
    except UnicodeDecodeError:
        entry["raw_base64"] = base64.b64encode(raw).decode("ascii")
    return entry


def original_bytes(payload: Any) -> bytes | None:
    """The bytes an :func:`unrunnable_payload` keeps, or None for any other payload."""
    if not isinstance(payload, dict) or payload.get("class") is not None:
        return None
    raw = payload.get("raw")
    if isinstance(raw, str):
        return raw.encode("utf-8")
    if isinstance(payload.get("raw_base64"), str):
        try:
            return base64.b64decode(payload["raw_base64"], validate=True)
        except ValueError:
            return None
    return None
