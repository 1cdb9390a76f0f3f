"""The dashboard: resque-web's pages and actions over a :class:`~resque_interop.Resque`.

``create_app(client)`` builds a Flask app; ``blueprint(client)`` mounts the same
pages under a prefix of your own app; ``resque_interop.web.wsgi:app`` serves any
WSGI server from the environment (REDIS_URL, RESQUE_NAMESPACE, RESQUE_WEB_USER,
RESQUE_WEB_PASSWORD). Every page is server-rendered with autoescaping; the only
script is a static file that refreshes the live pages.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Flask, abort, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..client import Resque
from ..failure.base import FailureRecord
from ..keys import job_queue_name
from ..version import __version__
from .delayed import add_delayed_routes
from .params import int_arg
from .schedule import add_schedule_routes
from .security import CSRF_FIELD, basic_auth, check_csrf, csrf_token, finish_response

PAGE = 20


def _args_text(args: Any) -> str:
    return json.dumps(args, ensure_ascii=False) if args not in (None, []) else ""


def blueprint(client: Resque, name: str = "resque", poll_seconds: float = 2.0) -> Blueprint:
    """The dashboard as a Blueprint bound to ``client``."""
    bp = Blueprint(name, __name__, template_folder="templates", static_folder="static",
                   static_url_path="/static")

    @bp.before_request
    def guard() -> None:
        if request.method == "POST":
            check_csrf()

    bp.after_request(finish_response)

    @bp.context_processor
    def helpers() -> dict[str, Any]:
        return {
            "csrf_field": CSRF_FIELD,
            "csrf_token": csrf_token,
            "args_text": _args_text,
            "namespace": client.keys.namespace,
            "server": client.redis_id,
            "version": __version__,
            "poll_ms": int(poll_seconds * 1000),
            "bp": name,
        }

    def page(template: str, **context: Any) -> str:
        partial = request.headers.get("X-Resque-Partial") == "1"
        return render_template(f"resque/{template}", partial=partial, **context)

    def failure_lists() -> list[str]:
        return client.failure.queues()

    # -- pages ----------------------------------------------------------------
    @bp.get("/")
    def overview() -> str:
        return page("overview.html", queues=client.queue_sizes(), working=client.working(),
                    failed=client.failure.count(), live=True)

    @bp.get("/working")
    def working() -> str:
        return page("working.html", working=client.working(), live=True)

    @bp.get("/queues")
    def queues() -> str:
        return page("queues.html", queues=client.queue_sizes(), failed=client.failure.count(), live=True)

    @bp.get("/queues/<path:queue>")
    def queue(queue: str) -> str:
        start = int_arg("start", 0)
        raws = client.store.queue_range(queue, start, PAGE)
        jobs = []
        for raw in raws:
            try:
                payload = client.codec.decode(raw)
            except ValueError:
                payload = None
            jobs.append({"raw": raw.decode("utf-8", "backslashreplace"), "payload": payload})
        return page("queue.html", queue=queue, jobs=jobs, size=client.size(queue), start=start, per_page=PAGE)

    @bp.post("/queues/<path:queue>/remove")
    def remove_queue(queue: str) -> Response:
        client.remove_queue(queue)
        return redirect(url_for(f"{name}.queues"))

    @bp.post("/queues/<path:queue>/clear")
    def clear_queue(queue: str) -> Response:
        client.clear_queue(queue)
        return redirect(url_for(f"{name}.queue", queue=queue))

    @bp.get("/failed")
    @bp.get("/failed/<path:list_name>")
    def failed(list_name: str | None = None) -> str:
        lists = failure_lists()
        if list_name is None and len(lists) > 1:
            counts = {n: client.failure.count(n) for n in lists}
            classes = {n: client.failure.class_counts(n) for n in lists}
            return page("failed_lists.html", counts=counts, classes=classes)
        list_name = list_name or (lists[0] if lists else "failed")
        start = int_arg("start", 0)
        # as resque-web: ?class= shows every failure of that class; ?order=desc, newest first
        class_name = request.args.get("class") or None
        order = "desc" if request.args.get("order") == "desc" else "asc"
        total = client.failure.count(list_name)
        if class_name:
            records = list(client.failure.each(0, None, list_name, class_name, order)) if total else []
        else:
            records = list(client.failure.each(start, PAGE, list_name, None, order)) if total else []
        return page("failed.html", list_name=list_name, records=records, total=total, start=start,
                    per_page=PAGE, job_queue=job_queue_name(list_name), class_name=class_name,
                    order=order, multi=len(lists) > 1 or list_name != "failed")

    def checked_record(list_name: str, index: int) -> FailureRecord:
        found = client.failure.all(index, 1, list_name)
        if not found or found[0].fingerprint != request.form.get("fingerprint"):
            abort(409, description="that failure moved or is gone: reload the page and try again")
        return found[0]

    @bp.post("/failed/<path:list_name>/requeue/<int:index>")
    def requeue(list_name: str, index: int) -> Response:
        checked_record(list_name, index)
        client.failure.requeue(index, None if list_name == "failed" else list_name)
        return redirect(url_for(f"{name}.failed", list_name=list_name))

    @bp.post("/failed/<path:list_name>/remove/<int:index>")
    def remove(list_name: str, index: int) -> Response:
        checked_record(list_name, index)
        client.failure.remove(index, None if list_name == "failed" else list_name)
        return redirect(url_for(f"{name}.failed", list_name=list_name))

    @bp.post("/failed-actions/requeue-all")
    def requeue_all() -> Response:
        client.failure.requeue_all()
        return redirect(url_for(f"{name}.failed"))

    @bp.post("/failed-actions/clear")
    def clear_failed() -> Response:
        client.failure.clear()
        return redirect(url_for(f"{name}.failed"))

    @bp.post("/failed-actions/clear-retried")
    def clear_retried() -> Response:
        client.failure.clear_retried()
        return redirect(url_for(f"{name}.failed"))

    @bp.post("/failed-actions/<path:list_name>/requeue-all")
    def requeue_list(list_name: str) -> Response:
        client.failure.requeue_queue(job_queue_name(list_name))
        return redirect(url_for(f"{name}.failed", list_name=list_name))

    @bp.post("/failed-actions/<path:list_name>/clear")
    def clear_list(list_name: str) -> Response:
        client.failure.clear(None if list_name == "failed" else list_name)
        return redirect(url_for(f"{name}.failed"))

    @bp.get("/workers")
    def workers() -> str:
        infos = client.workers()
        by_host: dict[str, list[Any]] = {}
        for w in infos:
            by_host.setdefault(w.host, []).append(w)
        return page("workers.html", workers=infos, by_host=by_host, live=True)

    @bp.get("/workers/<path:worker_id>")
    def worker(worker_id: str) -> str:
        found = client.worker(worker_id)
        if found is None:
            abort(404, description="no such worker (it may have stopped)")
        return page("worker.html", worker=found, live=True)

    @bp.get("/stats")
    def stats() -> str:
        return page("stats.html", info=client.info(), live=True)

    @bp.get("/stats/redis")
    def stats_redis() -> str:
        return page("stats_redis.html", info=sorted(client.store.redis_info().items()))

    @bp.get("/stats/keys")
    def stats_keys() -> str:
        keys = [(k, *client.store.key_info(k)) for k in client.all_keys()]
        return page("stats_keys.html", keys=keys)

    add_delayed_routes(bp, client, page, PAGE)
    add_schedule_routes(bp, client, page)

    # -- the JSON API (read only; docs/web.md) ---------------------------------
    @bp.get("/api/info")
    def api_info() -> Response:
        return jsonify(client.info())

    @bp.get("/api/queues")
    def api_queues() -> Response:
        return jsonify([{"name": q, "size": n} for q, n in client.queue_sizes().items()])

    @bp.get("/api/queues/<path:queue>")
    def api_queue(queue: str) -> Response:
        start, count = int_arg("start", 0), min(int_arg("count", PAGE), 1000)
        raws = client.store.queue_range(queue, start, count)
        jobs = []
        for raw in raws:
            try:
                jobs.append({"payload": client.codec.decode(raw)})
            except ValueError:
                jobs.append({"payload": None, "raw": raw.decode("utf-8", "backslashreplace")})
        return jsonify({"name": queue, "size": client.size(queue), "start": start, "jobs": jobs})

    @bp.get("/api/workers")
    def api_workers() -> Response:
        return jsonify([w.as_dict() for w in client.workers()])

    @bp.get("/api/failed")
    def api_failed() -> Response:
        list_name = request.args.get("list") or (failure_lists() or ["failed"])[0]
        start, count = int_arg("start", 0), min(int_arg("count", PAGE), 1000)
        class_name = request.args.get("class") or None
        if class_name:
            records = list(client.failure.each(0, None, list_name, class_name, "asc"))[start:start + count]
        else:
            records = client.failure.all(start, count, list_name)
        return jsonify({"list": list_name, "lists": failure_lists(), "total": client.failure.count(list_name),
                        "failures": [r.as_dict() for r in records]})

    @bp.get("/api/stats/keys")
    def api_keys() -> Response:
        return jsonify([{"key": k, "type": t, "size": n} for k, t, n in
                        ((k, *client.store.key_info(k)) for k in client.all_keys())])

    return bp


def create_app(
    client: Resque | None = None,
    *,
    auth: tuple[str, str] | None = None,
    poll_seconds: float = 2.0,
    url_prefix: str = "",
) -> Flask:
    """A Flask app serving the dashboard (``client`` defaults to REDIS_URL / RESQUE_NAMESPACE)."""
    app = Flask(__name__)
    client = client or Resque()
    if auth:
        app.before_request(basic_auth(*auth))
    app.register_blueprint(blueprint(client, poll_seconds=poll_seconds), url_prefix=url_prefix or None)
    app.after_request(finish_response)

    @app.errorhandler(403)
    @app.errorhandler(404)
    @app.errorhandler(409)
    def error(exc: Any) -> tuple[str, int]:
        return render_template("resque/error.html", error=exc, partial=False, live=False), exc.code

    return app


def mount(app: Flask, client: Resque, url_prefix: str = "/resque", **kwargs: Any) -> Blueprint:
    """Mount the dashboard under ``url_prefix`` of an existing app."""
    bp = blueprint(client, **kwargs)
    app.register_blueprint(bp, url_prefix=url_prefix)
    return bp
