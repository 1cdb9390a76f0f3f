"""The dashboard: resque-web's pages and actions over a :class:`~resque_interop.Resque`.

``create_app(client)`` builds a Flask app; ``blueprint(client)`` mounts the same
pages under a prefix of your own app; ``resque_interop.web.wsgi:app`` serves any
WSGI server from the environment (REDIS_URL, RESQUE_NAMESPACE, RESQUE_WEB_USER,
RESQUE_WEB_PASSWORD, RESQUE_WEB_SECRET). Every page is server-rendered with
autoescaping; the only script is a static file that refreshes the live pages.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from ..client.resque import Resque
from ..schema.keys import schema_type
from ..schema.readable import counted, not_an_integer, raw_text, to_int
from ..schema.workers import runtime_of, split_worker_id
from ..version import __version__
from .delayed import add_delayed_routes
from .errors import add_error_pages
from .failed import add_failed_routes
from .format import args_text, back_to, current_note, here, or_unknown, when, with_note
from .hosts import HostCheck, allowed_hosts, host_allowed, normalised_hosts
from .jsonapi import api_json
from .metrics import add_metrics_route
from .params import int_arg
from .retries import add_retry_routes
from .schedule import add_schedule_routes
from .security import CSRF_FIELD, basic_auth, check_csrf, csrf_token, finish_response

PAGE = 20
KEYS_PAGE = 100
#: queues and workers per page (each row costs one read; resque-web shows them all)
LIST_PAGE = 100
#: above this many workers on more than one host, /workers shows a per-host summary (as resque-web does)
WORKERS_SUMMARY = 100


RUNTIME_TITLES = {
    "Python": "resque_interop: its Redis connection is named resque_interop:<host>:<pid>",
    "Ruby": "a Resque worker with no connection named by resque_interop (Ruby's resque)",
    "node": "node-resque (it writes its start time as epoch milliseconds)",
    "unknown": "this Redis does not list its connections (CLIENT LIST refused)",
}


class _Blueprint(Blueprint):
    """A Blueprint whose routes also answer with a trailing slash (``/queues/``), as resque-web's."""

    def add_url_rule(self, rule: str, *args: Any, **options: Any) -> None:
        options.setdefault("strict_slashes", False)
        super().add_url_rule(rule, *args, **options)


def _cell(value: Any) -> str:
    return raw_text(value) if isinstance(value, bytes) else str(value)


def blueprint(client: Resque, name: str = "resque", poll_seconds: float = 2.0,
              allow_hosts: Iterable[str] | None = None) -> Blueprint:
    """The dashboard as a Blueprint bound to ``client``; with ``allow_hosts``, its routes
    answer 421 to any other ``Host`` (``create_app`` checks every request itself)."""
    bp = _Blueprint(name, __name__, template_folder="templates", static_folder="static",
                    static_url_path="/static")
    hosts = None if allow_hosts is None else normalised_hosts(allow_hosts)

    @bp.before_request
    def guard() -> None:
        if hosts is not None and not host_allowed(request.host, hosts):
            abort(421, description="this dashboard does not answer to that Host")
        if request.method == "POST":
            check_csrf()

    bp.after_request(finish_response)
    add_error_pages(bp, client)

    @bp.context_processor
    def helpers() -> dict[str, Any]:
        return {
            "csrf_field": CSRF_FIELD,
            "csrf_token": csrf_token,
            "args_text": args_text,
            "when": when,
            "or_unknown": or_unknown,
            "here": here,
            "note": current_note(),
            "namespace": client.keys.namespace,
            "server": client.redis_id,
            "version": __version__,
            "poll_ms": int(poll_seconds * 1000),
            "bp": name,
            "runtime_titles": RUNTIME_TITLES,
            "counted": counted,
            "prune_after": client.prune_interval,
        }

    def page(template: str, **context: Any) -> ResponseReturnValue:
        partial = request.headers.get("X-Resque-Partial") == "1"
        html = render_template(f"resque/{template}", partial=partial, **context)
        if not partial:
            return html
        # live refresh: an unchanged page is a 304 without a body
        response = make_response(html)
        response.add_etag()
        return response.make_conditional(request)

    def done(message: str, default: str) -> Response:
        return redirect(with_note(back_to(default, url_for(f"{name}.overview")), message))

    def queue_table(start: int = 0, count: int | None = None) -> tuple[dict[str, int | None], int]:
        """A page of queue names with their sizes (only the shown ones are read), and the total."""
        names = client.queues()
        shown = names[start:] if count is None else names[start:start + count]
        return dict(zip(shown, client.store.queues.sizes_or_none(shown))), len(names)

    def runtimes(infos: list[Any]) -> dict[str, str]:
        """Which runtime runs each worker (Python / Ruby / node; one CLIENT LIST)."""
        names = client.store.workers.client_names() if infos else None
        return {w.id: runtime_of(w, names) for w in infos}

    def workers_total() -> int:
        return len(client.store.workers.worker_ids())

    # -- pages ----------------------------------------------------------------
    @bp.get("/")
    def overview() -> ResponseReturnValue:
        queues, queue_total = queue_table(0, LIST_PAGE)
        working = client.working()
        return page("overview.html", queues=queues, queue_total=queue_total, working=working,
                    runtimes=runtimes(working), total=workers_total(), failed=client.failure.count(),
                    paused=client.paused(), live=True)

    @bp.get("/overview")
    def overview_alias() -> Response:
        """resque-web's URL for the overview."""
        return redirect(url_for(f"{name}.overview"))

    @bp.get("/working")
    def working() -> ResponseReturnValue:
        working = client.working()
        return page("working.html", working=working, runtimes=runtimes(working), total=workers_total(), live=True)

    @bp.get("/queues")
    def queues() -> ResponseReturnValue:
        start = int_arg("start", 0)
        shown, total = queue_table(start, LIST_PAGE)
        return page("queues.html", queues=shown, total=total, start=start, per_page=LIST_PAGE,
                    failed=client.failure.count(), live=True)

    @bp.get("/queues/<path:queue>")
    def queue(queue: str) -> ResponseReturnValue:
        start = int_arg("start", 0)
        raws = client.store.queues.queue_range(queue, start, PAGE)
        jobs = []
        for raw in raws:
            try:
                payload = client.codec.decode(raw)
            except ValueError:
                payload = None
            jobs.append({"raw": raw_text(raw), "payload": payload})
        return page("queue.html", queue=queue, jobs=jobs, size=client.size(queue), start=start, per_page=PAGE)

    @bp.post("/queues/<path:queue>/remove")
    def remove_queue(queue: str) -> Response:
        size = client.size(queue)
        client.remove_queue(queue)
        return redirect(with_note(url_for(f"{name}.queues"), f"Removed queue {queue} and its {counted(size, 'job')}"))

    @bp.post("/queues/<path:queue>/clear")
    def clear_queue(queue: str) -> Response:
        size = client.size(queue)
        client.clear_queue(queue)
        return done(f"Cleared {counted(size, 'job')} from {queue}", url_for(f"{name}.queue", queue=queue))

    add_failed_routes(bp, client, page, PAGE)

    @bp.get("/workers")
    def workers() -> ResponseReturnValue:
        ids = client.store.workers.worker_ids()
        hosts: dict[str, list[str]] = {}
        for worker_id in ids:
            hosts.setdefault(split_worker_id(worker_id)[0], []).append(worker_id)
        host = request.args.get("host")
        if host is None and len(ids) > WORKERS_SUMMARY and len(hosts) > 1:
            return page("workers_hosts.html", hosts={h: len(v) for h, v in sorted(hosts.items())},
                        total=len(ids), live=True)
        chosen = ids if host in (None, "*") else hosts.get(host or "", [])
        start = int_arg("start", 0)
        infos = client.workers(chosen[start:start + LIST_PAGE]) if chosen else []
        by_host: dict[str, list[Any]] = {}
        for w in infos:
            by_host.setdefault(w.host, []).append(w)
        return page("workers.html", workers=infos, by_host=by_host, runtimes=runtimes(infos),
                    total=len(chosen), start=start,
                    per_page=LIST_PAGE, host=host, paused=client.paused(), live=True)

    @bp.get("/workers/<path:worker_id>")
    def worker(worker_id: str) -> ResponseReturnValue:
        found = client.worker(worker_id)
        if found is None:
            abort(404, description="no such worker (it may have stopped)")
        return page("worker.html", worker=found, runtime=runtimes([found])[found.id], paused=client.paused(),
                    live=True)

    @bp.get("/stats")
    def stats() -> ResponseReturnValue:
        raw = {n: client.store.counters.stat_raw(n) for n in ("processed", "failed")}
        bad = {n: not_an_integer(f"stat:{n}", v) for n, v in raw.items() if v is not None and to_int(v) is None}
        return page("stats.html", info=client.info(), bad=bad, live=True)

    @bp.get("/stats/redis")
    def stats_redis() -> ResponseReturnValue:
        return page("stats_redis.html", info=sorted(client.store.keyspace.redis_info().items()))

    @bp.get("/stats/keys")
    def stats_keys() -> ResponseReturnValue:
        names, start = client.all_keys(), int_arg("start", 0)
        return page("stats_keys.html", keys=key_rows(names[start:start + KEYS_PAGE]), start=start,
                    per_page=KEYS_PAGE, total=len(names))

    @bp.get("/stats/keys/<path:key>")
    def stats_key(key: str) -> ResponseReturnValue:
        start = int_arg("start", 0)
        kind, size, items = client.store.keyspace.key_items(key, start, PAGE)
        rows = [[_cell(v) for v in (item if isinstance(item, tuple) else (item,))] for item in items]
        return page("stats_key.html", key=key, kind=kind, size=size, rows=rows, start=start, per_page=PAGE,
                    expected=schema_type(key))

    def key_rows(names: list[str]) -> list[dict[str, Any]]:
        rows = []
        for k, (kind, size) in zip(names, client.store.keyspace.key_infos(names)):
            expected = schema_type(k)
            rows.append({"key": k, "type": kind, "size": size,
                         "expected": expected if expected and expected != kind else None})
        return rows

    add_delayed_routes(bp, client, page, PAGE)
    add_retry_routes(bp, client, page, PAGE)
    add_metrics_route(bp, client)
    add_schedule_routes(bp, client, page)

    # -- the JSON API (read only; docs/web.md) ---------------------------------
    @bp.get("/api/info")
    def api_info() -> Response:
        return api_json(client.info())

    @bp.get("/api/queues")
    def api_queues() -> Response:
        return api_json([{"name": q, "size": n} for q, n in queue_table()[0].items()])

    @bp.get("/api/queues/<path:queue>")
    def api_queue(queue: str) -> Response:
        start, count = int_arg("start", 0), min(int_arg("count", PAGE), 1000)
        raws = client.store.queues.queue_range(queue, start, count)
        jobs = []
        for raw in raws:
            try:
                jobs.append({"payload": client.codec.decode(raw)})
            except ValueError:
                jobs.append({"payload": None, "raw": raw_text(raw)})
        return api_json({"name": queue, "size": client.size(queue), "start": start, "jobs": jobs})

    @bp.get("/api/workers")
    def api_workers() -> Response:
        infos = client.workers()
        kinds = runtimes(infos)
        return api_json([{**w.as_dict(), "runtime": kinds[w.id]} for w in infos])

    @bp.get("/api/stats/keys")
    def api_keys() -> Response:
        return api_json([{k: v for k, v in row.items() if k != "expected"} for row in key_rows(client.all_keys())])

    return bp


def create_app(
    client: Resque | None = None,
    *,
    auth: tuple[str, str] | None = None,
    poll_seconds: float = 2.0,
    url_prefix: str = "",
    secret: str | None = None,
    bind: str | None = None,
    allow_hosts: Iterable[str] = (),
) -> Flask:
    """A Flask app serving the dashboard (``client`` defaults to REDIS_URL / RESQUE_NAMESPACE;
    ``secret`` signs CSRF tokens, default ``RESQUE_WEB_SECRET`` or one per process). It answers
    only to the loopback names, ``bind``, ``allow_hosts`` and ``RESQUE_WEB_ALLOWED_HOSTS``
    (anything else is a 421, see :mod:`.hosts`)."""
    app = Flask(__name__)
    app.wsgi_app = HostCheck(app.wsgi_app, allowed_hosts(bind, allow_hosts))  # type: ignore[method-assign]
    if secret:
        app.config["RESQUE_WEB_SECRET"] = secret
    client = client or Resque()
    if auth:
        app.before_request(basic_auth(*auth))
    app.register_blueprint(blueprint(client, poll_seconds=poll_seconds), url_prefix=url_prefix or None)
    app.after_request(finish_response)

    @app.errorhandler(404)
    @app.errorhandler(405)
    def error(exc: Any) -> tuple[str, int]:
        return render_template("resque/error.html", code=exc.code, title=f"{exc.code} {exc.name}",
                               description=exc.description, partial=False, live=False), exc.code

    return app


def mount(app: Flask, client: Resque, url_prefix: str = "/resque", **kwargs: Any) -> Blueprint:
    """Mount the dashboard under ``url_prefix`` of an existing app (``allow_hosts=[...]``
    limits its routes to those Host names; else the app's own checks apply)."""
    bp = blueprint(client, **kwargs)
    app.register_blueprint(bp, url_prefix=url_prefix)
    return bp
