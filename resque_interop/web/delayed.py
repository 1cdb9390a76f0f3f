"""The dashboard's Delayed tab: resque-scheduler's delayed jobs, as its resque-web
plugin shows them (timestamps, their jobs, queue now, cancel, clear)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, jsonify, redirect, request, url_for
from werkzeug.wrappers import Response

from ..client import Resque
from .params import int_arg


def _utc(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def add_delayed_routes(bp: Blueprint, client: Resque, page: Callable[..., str], per_page: int) -> None:
    """Mount the Delayed pages, actions and ``/api/delayed`` on ``bp``."""
    name = bp.name

    def timestamps(start: int, count: int) -> list[dict[str, Any]]:
        stamps = client.delayed.peek(start, count)
        sizes = client.store.delayed.sizes(stamps)
        return [{"timestamp": ts, "utc": _utc(ts), "size": n} for ts, n in zip(stamps, sizes)]

    def items(timestamp: int) -> list[dict[str, Any]]:
        out = []
        for raw in client.store.delayed.range(timestamp, 0, client.delayed.timestamp_size(timestamp)):
            try:
                payload = client.codec.decode(raw)
            except ValueError:
                payload = None
            try:
                text, cancellable = raw.decode("utf-8"), True
            except UnicodeDecodeError:
                text, cancellable = raw.decode("utf-8", "backslashreplace"), False
            out.append({"raw": text, "payload": payload if isinstance(payload, dict) else None,
                        "cancellable": cancellable})
        return out

    @bp.get("/delayed")
    def delayed() -> str:
        start = int_arg("start", 0)
        return page("delayed.html", stamps=timestamps(start, per_page), total=client.delayed.schedule_size(),
                    jobs=client.delayed.count_all(), start=start, per_page=per_page)

    @bp.get("/delayed/<int:timestamp>")
    def delayed_timestamp(timestamp: int) -> str:
        return page("delayed_timestamp.html", timestamp=timestamp, utc=_utc(timestamp), items=items(timestamp))

    @bp.post("/delayed/<int:timestamp>/queue-now")
    def delayed_queue_now(timestamp: int) -> Response:
        client.delayed.enqueue_timestamp(timestamp)
        return redirect(url_for(f"{name}.delayed"))

    @bp.post("/delayed/<int:timestamp>/cancel")
    def delayed_cancel(timestamp: int) -> Response:
        client.delayed.remove_at(timestamp, request.form.get("item", "").encode("utf-8"))
        return redirect(url_for(f"{name}.delayed_timestamp", timestamp=timestamp))

    @bp.post("/delayed-actions/clear")
    def delayed_clear() -> Response:
        client.delayed.clear()
        return redirect(url_for(f"{name}.delayed"))

    @bp.get("/api/delayed")
    def api_delayed() -> Response:
        start, count = int_arg("start", 0), min(int_arg("count", per_page), 1000)
        return jsonify({"timestamps": client.delayed.schedule_size(), "jobs": client.delayed.count_all(),
                        "start": start, "items": timestamps(start, count)})
