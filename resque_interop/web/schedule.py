"""The dashboard's Schedule tab: recurring schedules as resque-scheduler's resque-web
plugin shows them (interval, class, queue, args, last enqueued, next run, the current
master, and "Queue now")."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, abort, jsonify, redirect, request, url_for
from werkzeug.wrappers import Response

from ..client import Resque
from ..scheduler.scheduler import MasterLock


def _utc(epoch: float | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def add_schedule_routes(bp: Blueprint, client: Resque, page: Callable[..., str]) -> None:
    """Mount the Schedule page, its "Queue now" action and ``/api/schedule`` on ``bp``."""
    name = bp.name

    def rows() -> list[dict[str, Any]]:
        out = []
        _, bad = client.schedules.persistent()
        for key, config in sorted(client.schedules.all().items()):
            kind = "cron" if config.get("cron") else "every" if config.get("every") else None
            value = config.get(kind) if kind else None
            out.append({
                "name": key, "description": config.get("description"),
                "interval": f"{kind} {value if isinstance(value, str) else json.dumps(value)}" if kind else None,
                "class": config.get("class") or key,
                "queue": config.get("queue") or client.queue_for(str(config.get("class") or key)),
                "args": json.dumps(config.get("args")), "last_enqueued_at": client.schedules.last_enqueued_at(key),
                "next_run": _utc(client.schedules.next_run(key)), "error": None,
            })
        out += [{"name": key, "error": why} for key, why in sorted(bad.items())]
        return out

    def master() -> str | None:
        return client.store.schedules.lock_holder(MasterLock(client).key)

    @bp.get("/schedule")
    def schedule() -> str:
        return page("schedule.html", schedules=rows(), master=master())

    @bp.post("/schedule/requeue")
    def schedule_requeue() -> Response:
        try:
            client.schedules.enqueue_now(request.form.get("job_name", ""))
        except KeyError:
            abort(404, description="no such schedule")
        return redirect(url_for(f"{name}.schedule"))

    @bp.get("/api/schedule")
    def api_schedule() -> Response:
        return jsonify({"master": master(), "schedules": rows()})
