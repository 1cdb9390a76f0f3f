"""The dashboard's Failed tab: lists, pages, the class filter (paged on the
server, see ``failure/search.py``), and the actions, each returning to the page
it was taken on with a note of what it did."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, redirect, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from ..client.resque import Resque
from ..failure.record import FailureRecord
from ..failure.search import class_counts, find
from ..schema.keys import job_queue_name
from ..schema.readable import counted
from .format import back_to, with_note
from .jsonapi import api_json
from .params import int_arg

INDEX = "int(max=9223372036854775807)"


def add_failed_routes(bp: Blueprint, client: Resque, page: Callable[..., ResponseReturnValue], per_page: int) -> None:
    """Mount the Failed pages, actions and ``/api/failed`` on ``bp``."""
    name = bp.name

    def known(list_name: str) -> str:
        """``list_name`` when the backend keeps it, else a 404."""
        lists = client.failure.queues()
        if list_name in lists or (list_name == "failed" and not lists):
            return list_name
        abort(404, description=f"no failure list {list_name!r} (lists: {', '.join(lists) or 'none'})")

    def default_list() -> str:
        return (client.failure.queues() or ["failed"])[0]

    def window(list_name: str, start: int, count: int, order: str) -> tuple[list[FailureRecord], int]:
        """A page of one list, oldest first or newest first; and the list's length."""
        total = client.failure.count(list_name)
        if order == "desc":
            hi = total - 1 - start
            lo = max(0, hi - count + 1)
            return (list(reversed(client.failure.all(lo, hi - lo + 1, list_name))) if hi >= 0 else []), total
        return client.failure.all(start, count, list_name), total

    def done(message: str, default: str) -> Response:
        return redirect(with_note(back_to(default, url_for(f"{name}.overview")), message))

    @bp.get("/failed")
    @bp.get("/failed/<path:list_name>")
    def failed(list_name: str | None = None) -> ResponseReturnValue:
        lists = client.failure.queues()
        if list_name is None and len(lists) > 1:
            counts = {n: client.failure.count(n) for n in lists}
            classes = {n: class_counts(client, n) for n in lists}
            return page("failed_lists.html", counts=counts, classes=classes, total=sum(counts.values()))
        list_name = known(list_name or default_list())
        order = "asc" if request.args.get("order") == "asc" else "desc"  # newest first, as resque-web 3.0
        class_name = request.args.get("class") or None
        common = {"list_name": list_name, "order": order, "class_name": class_name, "per_page": per_page,
                  "job_queue": job_queue_name(list_name), "multi": len(lists) > 1 or list_name != "failed"}
        if class_name:
            start = int_arg("start", 0) if "start" in request.args else -1
            found = find(client, list_name, class_name, None if start < 0 else start, per_page, order)
            shown = ",".join(f"{r.index}:{r.fingerprint}" for r in found.records)
            return page("failed.html", records=found.records, total=found.total, found=found, start=start,
                        shown_items=shown, **common)
        start = int_arg("start", 0)
        records, total = window(list_name, start, per_page, order)
        return page("failed.html", records=records, total=total, found=None, start=start, **common)

    def checked_record(list_name: str, index: int) -> FailureRecord:
        found = client.failure.record_if_unchanged(index, request.form.get("fingerprint", ""), known(list_name))
        if found is None:
            abort(409, description="that failure moved or is gone: reload the page and try again")
        return found

    def list_page(list_name: str) -> str:
        return url_for(f"{name}.failed", list_name=list_name)

    @bp.post(f"/failed/<path:list_name>/requeue/<{INDEX}:index>")
    def requeue(list_name: str, index: int) -> Response:
        record = checked_record(list_name, index)
        client.failure.requeue(index, None if list_name == "failed" else list_name)
        return done(f"Retried {record.class_name or 'the job'} (failure {index}) on {record.queue or 'its queue'}",
                    list_page(list_name))

    @bp.post(f"/failed/<path:list_name>/remove/<{INDEX}:index>")
    def remove(list_name: str, index: int) -> Response:
        record = checked_record(list_name, index)
        client.failure.remove(index, None if list_name == "failed" else list_name)
        return done(f"Removed failure {index} ({record.class_name or 'no class'})", list_page(list_name))

    def shown_items() -> list[tuple[int, str]]:
        """The ``index:fingerprint`` pairs of the failures a page showed (its ``items`` field)."""
        pairs = []
        for part in request.form.get("items", "").split(","):
            index, _, fingerprint = part.partition(":")
            if index.isdigit() and fingerprint:
                pairs.append((int(index), fingerprint))
        if not pairs or len(pairs) > 1000:
            abort(400, description="no failures named (reload the page and try again)")
        return pairs

    def act_on_shown(list_name: str, action: str, did: str, noun: str) -> Response:
        list_name = known(list_name)
        done_n, moved = client.failure.act_on_unchanged(shown_items(), None if list_name == "failed" else list_name,
                                                        action)
        note = did.format(n=counted(done_n, noun))
        left = f"; left {counted(moved, 'entry', 'entries')} that had moved or gone" if moved else ""
        return done(note + left, list_page(list_name))

    @bp.post("/failed/<path:list_name>/requeue-shown")
    def requeue_shown(list_name: str) -> Response:
        """Retry the failures a (class-filtered) page showed, and only those."""
        return act_on_shown(list_name, "requeue", "Retried {n}", "failed job")

    @bp.post("/failed/<path:list_name>/remove-shown")
    def remove_shown(list_name: str) -> Response:
        """Remove the failures a (class-filtered) page showed, and only those."""
        return act_on_shown(list_name, "remove", "Removed {n}", "failure")

    @bp.post("/failed-actions/requeue-all")
    def requeue_all() -> Response:
        n = client.failure.requeue_all()
        return done(f"Retried {counted(n, 'failed job')}", url_for(f"{name}.failed"))

    @bp.post("/failed-actions/clear")
    def clear_failed() -> Response:
        n = client.failure.count()
        client.failure.clear()
        return done(f"Cleared {counted(n, 'failure')}", url_for(f"{name}.failed"))

    @bp.post("/failed-actions/clear-retried")
    def clear_retried() -> Response:
        n = client.failure.clear_retried()
        return done(f"Cleared {counted(n, 'retried failure')}", url_for(f"{name}.failed"))

    @bp.post("/failed-actions/<path:list_name>/requeue-all")
    def requeue_list(list_name: str) -> Response:
        n = client.failure.requeue_queue(job_queue_name(known(list_name)))
        return done(f"Retried {counted(n, 'failed job')} of {list_name}", list_page(list_name))

    @bp.post("/failed-actions/<path:list_name>/clear")
    def clear_list(list_name: str) -> Response:
        n = client.failure.count(known(list_name))
        client.failure.clear(None if list_name == "failed" else list_name)
        return done(f"Cleared {counted(n, 'failure')} of {list_name}", url_for(f"{name}.failed"))

    @bp.get("/api/failed")
    def api_failed() -> Response:
        list_name = known(request.args.get("list") or default_list())
        count = min(int_arg("count", per_page), 1000)
        class_name = request.args.get("class") or None
        out: dict[str, Any] = {"list": list_name, "lists": client.failure.queues()}
        if class_name:
            start = int_arg("start", 0) if "start" in request.args else -1
            order = "desc" if request.args.get("order") == "desc" else "asc"
            found = find(client, list_name, class_name, None if start < 0 else start, count, order)
            out.update(total=found.total, scanned=found.scanned, next=found.next_start,
                       failures=[r.as_dict() for r in found.records])
        else:
            start = int_arg("start", 0)
            out.update(total=client.failure.count(list_name),
                       failures=[r.as_dict() for r in client.failure.all(start, count, list_name)])
        return api_json(out)
