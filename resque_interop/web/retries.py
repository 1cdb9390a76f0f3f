"""The dashboard's Retry tab: resque-retry's delayed retries with their attempt number and
last failure, queue now (the Delayed tab's move, for one item: the attempt count stays), and
cancel (the delayed item, its ``failure-<key>`` and its counter)."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import Blueprint, abort, redirect, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from ..client.resque import Resque
from ..retry.pending import cancel_retry, pending_retries
from ..schema.readable import counted
from .delayed import STAMP
from .format import back_to, exact_utc, with_note
from .jsonapi import api_json
from .params import int_arg


def add_retry_routes(bp: Blueprint, client: Resque, page: Callable[..., ResponseReturnValue], per_page: int) -> None:
    """Mount the Retry page, its queue-now and cancel actions and ``/api/retries`` on ``bp``."""
    name = bp.name

    def shown_entries() -> list[tuple[int, bytes]]:
        """The (timestamp, item) pairs a page showed (its ``items`` field: a JSON list of pairs)."""
        try:
            pairs = json.loads(request.form.get("items", ""))
        except ValueError:
            pairs = None
        if not isinstance(pairs, list) or not pairs or len(pairs) > 1000:
            abort(400, description="no retries named (reload the page and try again)")
        entries = []
        for pair in pairs:
            if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], int)
                    and isinstance(pair[1], str)):
                abort(400, description="a retry named is not [timestamp, item] (reload the page and try again)")
            entries.append((pair[0], pair[1].encode("utf-8")))
        return entries

    @bp.get("/retries")
    def retries() -> ResponseReturnValue:
        start = int_arg("start", 0)
        found, total = pending_retries(client, start, per_page)
        shown = json.dumps([[p.timestamp, p.item.decode("utf-8", "replace")] for p in found])
        return page("retries.html", retries=found, total=total, start=start, per_page=per_page, utc=exact_utc,
                    shown_items=shown)

    @bp.post(f"/retries/<{STAMP}:timestamp>/cancel")
    def retry_cancel(timestamp: int) -> Response:
        gone = cancel_retry(client, timestamp, request.form.get("item", "").encode("utf-8"))
        message = "Cancelled the retry" if gone else "That retry was already gone (run or removed)"
        return redirect(with_note(back_to(url_for(f"{name}.retries"), url_for(f"{name}.overview")), message))

    @bp.post(f"/retries/<{STAMP}:timestamp>/queue-now")
    def retry_queue_now(timestamp: int) -> Response:
        queued = client.delayed.enqueue_item(timestamp, request.form.get("item", "").encode("utf-8"))
        if queued is None:
            message = f"Left to the master scheduler: that retry was due at {exact_utc(timestamp)} and is its to move"
        elif queued:
            message = f"Queued the retry due at {exact_utc(timestamp)} now"
        else:
            message = "That retry was no longer waiting (already queued, run or removed): nothing changed"
        return redirect(with_note(back_to(url_for(f"{name}.retries"), url_for(f"{name}.overview")), message))

    @bp.post("/retries-actions/queue-shown")
    def retries_queue_shown() -> Response:
        queued, gone, left = client.delayed.enqueue_items(shown_entries())
        message = f"Queued {counted(queued, 'retry', 'retries')} now"
        if gone:
            message += f"; {counted(gone, 'retry', 'retries')} no longer waiting (already queued, run or removed)"
        if left:
            message += f"; {counted(left, 'retry', 'retries')} already due left to the master scheduler"
        return redirect(with_note(back_to(url_for(f"{name}.retries"), url_for(f"{name}.overview")), message))

    @bp.get("/api/retries")
    def api_retries() -> Response:
        start, count = int_arg("start", 0), min(int_arg("count", per_page), 1000)
        found, total = pending_retries(client, start, count)
        return api_json({"timestamps": total, "start": start, "items": [p.as_json() for p in found]})
