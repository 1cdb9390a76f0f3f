"""The dashboard's Schedule tab: recurring schedules as resque-scheduler's resque-web
plugin shows them (interval, class, queue, args, last enqueued, next run, the current
master, and "Queue now")."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, abort, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from ..client.resque import Resque
from ..scheduler.scheduler import MasterLock
from .format import back_to, with_note
from .params import int_arg

#: schedules per page: each shown row is compiled (its next run), the others only counted
SCHEDULE_PAGE = 100


def _utc(epoch: float | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def add_schedule_routes(bp: Blueprint, client: Resque, page: Callable[..., ResponseReturnValue]) -> None:
    """Mount the Schedule page, its "Queue now" action and ``/api/schedule`` on ``bp``."""
    name = bp.name

    def rows(start: int = 0, count: int | None = None) -> tuple[list[dict[str, Any]], int]:
        """A page of the schedules and their total, from one read of each hash (``Schedules.listing``)."""
        out = []
        listed, total = client.schedules.listing(start=start, count=count)
        for row in listed:
            config = row.config
            kind = "cron" if config.get("cron") else "every" if config.get("every") else None
            value = config.get(kind) if kind else None
            cls = config.get("class") or row.name
            out.append({
                "name": row.name, "source": row.source, "description": config.get("description"),
                "interval": f"{kind} {value if isinstance(value, str) else json.dumps(value)}" if kind else None,
                "class": cls, "queue": config.get("queue") or (client.queue_for(cls) if isinstance(cls, str) else None),
                "args": json.dumps(config.get("args")), "last_enqueued_at": row.last_enqueued_at,
                "next_run": _utc(row.next_run), "next_run_epoch": row.next_run, "error": row.error,
            })
        return out, total

    def master() -> str | None:
        return client.store.schedules.lock_holder(MasterLock(client).key)

    @bp.get("/schedule")
    def schedule() -> ResponseReturnValue:
        start = int_arg("start", 0)
        shown, total = rows(start, SCHEDULE_PAGE)
        return page("schedule.html", schedules=shown, total=total, start=start, per_page=SCHEDULE_PAGE,
                    master=master())

    @bp.post("/schedule/requeue")
    def schedule_requeue() -> Response:
        job_name = request.form.get("job_name", "")
        try:
            client.schedules.enqueue_now(job_name)
        except KeyError:
            abort(404, description="no such schedule")
        return redirect(with_note(back_to(url_for(f"{name}.schedule"), url_for(f"{name}.overview")),
                                  f"Queued {job_name} now"))

    @bp.get("/api/schedule")
    def api_schedule() -> Response:
        return jsonify({"master": master(), "schedules": rows()[0]})
