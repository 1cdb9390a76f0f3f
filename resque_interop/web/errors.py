"""Error pages: whatever Redis holds, the dashboard answers with a page that
says what is wrong (a 4xx), never a bare 500. A key of the wrong type is named,
with its type and the one docs/schema.md gives it; only an unreachable Redis
is a 503, since no content of Redis is to blame."""

from __future__ import annotations

from typing import Any

import redis
from flask import Blueprint, render_template, request
from werkzeug.exceptions import HTTPException

from ..client.resque import Resque
from ..errors import ResqueError
from ..schema.keys import schema_type
from .jsonapi import api_json

_FIXED = ["queues", "workers", "workers:heartbeat", "failed", "failed_queues", "delayed_queue_schedule",
          "stat:processed", "stat:failed", "pause-all-workers"]


def _candidates(client: Resque) -> list[str]:
    """The schema keys this request may have read."""
    names = list(_FIXED)
    args = request.view_args or {}
    if "queue" in args:
        names.append(f"queue:{args['queue']}")
    if "list_name" in args:
        names.append(str(args["list_name"]))
    if request.args.get("list"):
        names.append(request.args["list"])
    if "worker_id" in args:
        names += [f"worker:{args['worker_id']}", f"worker:{args['worker_id']}:started"]
    if "timestamp" in args:
        names.append(f"delayed:{args['timestamp']}")
    try:
        names += client.store.failed.failed_queue_names()
    except redis.ResponseError:
        pass
    return names


def wrong_types(client: Resque) -> list[tuple[str, str, str]]:
    """(key, its type, the schema's type) for each key this request read that Resque
    would not have written so."""
    names = _candidates(client)
    found = []
    for name, actual in zip(names, client.store.keyspace.key_types(names)):
        expected = schema_type(name)
        if actual != "none" and expected and actual != expected:
            found.append((name, actual, expected))
    return found


def _page(code: int, title: str, description: str, **extra: Any) -> tuple[Any, int]:
    if "/api/" in request.path:
        return api_json({"error": title, "description": description, **extra}), code
    return render_template("resque/error.html", code=code, title=title, description=description,
                           partial=request.headers.get("X-Resque-Partial") == "1", live=False, **extra), code


def add_error_pages(bp: Blueprint, client: Resque) -> None:
    """Handle, for every route of ``bp``, the errors Redis content can cause."""

    @bp.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        if exc.code is None or exc.code < 400:
            return exc
        return _page(exc.code, f"{exc.code} {exc.name}", exc.description or "")

    @bp.errorhandler(redis.ResponseError)
    def redis_refused(exc: redis.ResponseError) -> Any:
        if "WRONGTYPE" not in str(exc):
            return _page(503, "Redis refused a command", str(exc))
        found = wrong_types(client)
        return _page(409, "A key holds the wrong type",
                     "Redis holds a value of a type Resque never writes there (Redis said: "
                     f"{exc}). Remove or fix the key, e.g. with redis-cli.",
                     keys=[{"key": k, "type": t, "expected": e} for k, t, e in found])

    @bp.errorhandler(redis.ConnectionError)
    def redis_down(exc: redis.ConnectionError) -> Any:
        return _page(503, "Cannot reach Redis", str(exc))

    @bp.errorhandler(ResqueError)
    def refused(exc: ResqueError) -> Any:
        return _page(409, "Not done", str(exc))

    @bp.errorhandler(NotImplementedError)
    def no_reads(exc: NotImplementedError) -> Any:
        return _page(404, "Nothing to show", str(exc))
