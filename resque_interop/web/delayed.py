"""The dashboard's Delayed tab: resque-scheduler's delayed jobs, as its resque-web
plugin shows them (timestamps, their jobs, queue now, cancel, clear), and a
selection (a class and/or args containing a JSON value) to list, remove or queue now."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, redirect, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from ..client.resque import Resque
from ..scheduler.selection import parse_match
from ..schema.readable import counted, preview, raw_text, to_int
from .format import back_to, exact_utc, with_note
from .jsonapi import api_json
from .params import int_arg

STAMP = "int(max=9223372036854775807)"
#: above this many timestamps the Delayed page leaves out the total job count
COUNT_JOBS_UP_TO = 1_000


def add_delayed_routes(bp: Blueprint, client: Resque, page: Callable[..., ResponseReturnValue], per_page: int) -> None:
    """Mount the Delayed pages, actions and ``/api/delayed`` on ``bp``."""
    name = bp.name

    def timestamps(start: int, count: int) -> list[dict[str, Any]]:
        """A window of the schedule; a member that is not an integer is kept, marked."""
        members = client.store.delayed.members(start, start + count - 1)
        stamps = [to_int(m) for m in members]
        valid = [t for t in stamps if t is not None]
        sizes = iter(client.store.delayed.sizes(valid))
        firsts = iter(client.store.delayed.firsts(valid))
        out: list[dict[str, Any]] = []
        for member, ts in zip(members, stamps):
            if ts is None:
                out.append({"timestamp": None, "utc": None, "size": None, "raw": preview(member, 60)})
            else:
                out.append({"timestamp": ts, "utc": exact_utc(ts), "size": next(sizes), "first": job_of(next(firsts))})
        return out

    def job_of(raw: bytes | None) -> dict[str, Any] | None:
        """A delayed item's class, queue and args for a preview (None when it is not a job)."""
        try:
            payload = None if raw is None else client.codec.decode(raw)
        except ValueError:
            return None
        return payload if isinstance(payload, dict) else None

    def items(timestamp: int, start: int) -> list[dict[str, Any]]:
        out = []
        for raw in client.store.delayed.range(timestamp, start, per_page):
            try:
                payload = client.codec.decode(raw)
            except ValueError:
                payload = None
            try:
                text, cancellable = raw.decode("utf-8"), True
            except UnicodeDecodeError:
                text, cancellable = raw_text(raw), False
            out.append({"raw": text, "payload": payload if isinstance(payload, dict) else None,
                        "cancellable": cancellable})
        return out

    def done(message: str, default: str) -> Response:
        return redirect(with_note(back_to(default, url_for(f"{name}.overview")), message))

    def selection() -> dict[str, Any]:
        """The selection the query string asks for (resque-scheduler's find_delayed_selection)."""
        class_name, match = request.args.get("class", "").strip(), request.args.get("match", "").strip()
        if not class_name and not match:
            return {"sel_class": "", "sel_match": ""}
        out: dict[str, Any] = {"sel_class": class_name, "sel_match": match, "selected": [], "sel_error": None}
        try:
            found = client.delayed.find_delayed_selection(parse_match(match), class_name or None)
        except ValueError as exc:
            out["sel_error"] = str(exc)
            return out
        out.update(selected=found[:per_page], selected_total=len(found))
        return out

    def act_on_selection(verb: str) -> Response:
        class_name, match = request.form.get("class", "").strip(), request.form.get("match", "").strip()
        target = f"{url_for(f'{name}.delayed')}?{urlencode({'class': class_name, 'match': match})}"
        if not class_name and not match:
            return redirect(with_note(target, "Give a class or a match: which delayed jobs"))
        try:
            selected = parse_match(match)
        except ValueError as exc:
            return redirect(with_note(target, str(exc)))
        if verb == "remove":
            n = client.delayed.remove_delayed_selection(selected, class_name or None)
            return redirect(with_note(target, f"Removed {counted(n, 'delayed job')}"))
        n = client.delayed.enqueue_delayed_selection(selected, class_name or None)
        return redirect(with_note(target, f"Queued {counted(n, 'delayed job')} now"))

    @bp.get("/delayed")
    def delayed() -> ResponseReturnValue:
        start = int_arg("start", 0)
        total = client.delayed.schedule_size()
        # the job total reads every timestamp's length: only while that is cheap (a page costs what it shows)
        jobs = client.delayed.count_all() if total <= COUNT_JOBS_UP_TO else None
        return page("delayed.html", stamps=timestamps(start, per_page), total=total, jobs=jobs, start=start,
                    per_page=per_page, **selection())

    @bp.post("/delayed-actions/remove-selection")
    def delayed_remove_selection() -> Response:
        return act_on_selection("remove")

    @bp.post("/delayed-actions/enqueue-selection")
    def delayed_enqueue_selection() -> Response:
        return act_on_selection("enqueue")

    @bp.get("/delayed/search")
    def delayed_search() -> ResponseReturnValue:
        """resque-scheduler's "find delayed jobs": the timestamps of a class with exactly these
        args (a JSON array) on a queue, from its ``timestamps:<job>`` index (one read)."""
        class_name = request.args.get("class", "").strip()
        args_text = request.args.get("args", "").strip() or "[]"
        queue = request.args.get("queue", "").strip() or None
        error, found = None, []
        try:
            args = json.loads(args_text)
            if not isinstance(args, list):
                raise ValueError("args must be a JSON array, e.g. [1, \"masterbrew\"]")
        except ValueError as exc:
            error, args = f"args: {exc}", []
        if class_name and error is None:
            found = [{"timestamp": ts, "utc": exact_utc(ts)}
                     for ts in client.delayed.scheduled_at(class_name, *args, queue=queue)]
        return page("delayed_search.html", class_name=class_name, args=args_text, queue=queue or "",
                    found=found, error=error)

    @bp.get(f"/delayed/<{STAMP}:timestamp>")
    def delayed_timestamp(timestamp: int) -> ResponseReturnValue:
        start = int_arg("start", 0)
        return page("delayed_timestamp.html", timestamp=timestamp, utc=exact_utc(timestamp),
                    items=items(timestamp, start), size=client.delayed.timestamp_size(timestamp),
                    start=start, per_page=per_page)

    @bp.post(f"/delayed/<{STAMP}:timestamp>/queue-now")
    def delayed_queue_now(timestamp: int) -> Response:
        n = client.delayed.enqueue_timestamp(timestamp)
        if not n and client.delayed.timestamp_size(timestamp):  # due, and another scheduler is master
            return done(f"Left to the master scheduler: the jobs due at {exact_utc(timestamp)} are its to move",
                        url_for(f"{name}.delayed"))
        return done(f"Queued {counted(n, 'job')} due at {exact_utc(timestamp)}",
                    url_for(f"{name}.delayed"))

    @bp.post(f"/delayed/<{STAMP}:timestamp>/cancel")
    def delayed_cancel(timestamp: int) -> Response:
        n = client.delayed.remove_at(timestamp, request.form.get("item", "").encode("utf-8"))
        return done("Cancelled the delayed job" if n else "That delayed job was already gone",
                    url_for(f"{name}.delayed_timestamp", timestamp=timestamp))

    @bp.post("/delayed-actions/clear")
    def delayed_clear() -> Response:
        n = client.delayed.count_all()
        client.delayed.clear()
        return redirect(with_note(url_for(f"{name}.delayed"), f"Cleared {counted(n, 'delayed job')}"))

    @bp.get("/api/delayed")
    def api_delayed() -> Response:
        start, count = int_arg("start", 0), min(int_arg("count", per_page), 1000)
        return api_json({"timestamps": client.delayed.schedule_size(), "jobs": client.delayed.count_all(),
                         "start": start, "items": timestamps(start, count)})
