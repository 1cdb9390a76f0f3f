"""No Redis content makes the dashboard answer 5xx: every route, HTML and JSON,
GET and POST, over keyspaces where every schema key holds the wrong values or
the wrong type (tests/support/malformed_keyspace.py)."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from resque_interop import Registry, Resque
from resque_interop.web.app import create_app

from .support.malformed_keyspace import (
    HOSTILE,
    QUERIES,
    SAMPLES,
    WORKER_OK,
    load_space,
    wrong_types,
    wrong_values,
)

ORIGIN = {"Origin": "http://localhost"}


def routes(app: Flask, method: str) -> Iterator[str]:
    """Every URL of ``app`` answering ``method``: each variable takes each of its samples
    in turn (the others their first), so that a new route is swept without a change here."""
    for rule in app.url_map.iter_rules():
        if method not in (rule.methods or ()) or rule.endpoint.endswith("static"):
            continue
        names = sorted(rule.arguments)
        base = {n: SAMPLES.get(n, ["x"])[0] for n in names}
        variants = [base] + [{**base, n: v} for n in names for v in SAMPLES.get(n, ["x"])[1:]]
        for values in variants:
            path = rule.rule
            for n, v in values.items():
                path = re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?" + n + ">", urllib.parse.quote(str(v), safe=""), path)
            yield path


def token(client: FlaskClient) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/stats/redis").get_data(as_text=True))
    assert found
    return found.group(1)


def sweep_gets(app: Flask, client: FlaskClient, queries: list[str]) -> dict[str, int]:
    seen = {}
    for path in routes(app, "GET"):
        for query in queries:
            for headers in ({}, {"X-Resque-Partial": "1"}):
                response = client.get(path + query, headers=headers)
                assert response.status_code < 500, (path + query, response.get_data(as_text=True)[:2000])
                body = response.get_data(as_text=True)
                if response.mimetype == "text/html":  # JSON carries the text as data, never markup
                    assert "<script>alert" not in body, path + query
                seen[path + query] = response.status_code
    return seen


def make(redis_url: str, backend: str) -> tuple[Flask, FlaskClient]:
    app = create_app(Resque(redis_url, registry=Registry(), failure_backend=backend))
    app.testing = True  # an exception fails the test with its traceback instead of a 500
    return app, app.test_client()


@pytest.mark.parametrize("backend", ["redis", "redis_multi_queue"])
def test_every_get_route_over_wrong_values(redis_url: str, raw_redis: redis.Redis, backend: str) -> None:
    load_space(raw_redis, wrong_values())
    app, client = make(redis_url, backend)
    seen = sweep_gets(app, client, QUERIES)
    assert len(seen) > 100
    assert seen["/"] == seen["/workers"] == seen["/stats"] == seen["/api/info"] == 200
    assert seen["/delayed"] == seen["/api/workers"] == 200
    assert seen[f"/workers/{urllib.parse.quote(WORKER_OK, safe='')}"] == 200
    # a list the backend does not know is a 404, not an error
    assert seen["/failed/nope"] == 404 and seen["/api/failed?list=nope"] == 404


def test_unreadable_values_are_shown_marked_and_escaped(redis_url: str, raw_redis: redis.Redis) -> None:
    load_space(raw_redis, wrong_values())
    _, client = make(redis_url, "redis")
    workers = client.get("/workers").get_data(as_text=True)
    assert "not an integer" in workers and "abc" in workers
    stats = client.get("/stats").get_data(as_text=True)
    assert 'class="bad"' in stats and "abc" in stats
    delayed = client.get("/delayed").get_data(as_text=True)
    assert "not a timestamp" in delayed and "1.5" in delayed
    failed = client.get("/failed").get_data(as_text=True)
    assert "not json &lt;script&gt;" in failed and "unknown" in failed
    queue = client.get("/queues/good").get_data(as_text=True)
    assert "not JSON" in queue
    api = client.get("/api/workers").get_json()
    ok = next(w for w in api if w["id"] == WORKER_OK)
    assert any("not an integer" in p for p in ok["problems"])


def test_the_library_read_api_survives_wrong_values(r: Resque, raw_redis: redis.Redis) -> None:
    load_space(raw_redis, wrong_values())
    info = r.info()
    assert info["processed"] == 0 and info["workers"] == 8
    ok = r.worker(WORKER_OK)
    assert ok is not None and ok.processed == 0 and ok.problems
    assert r.delayed.peek(0, 100) == [-5, 99999999999999999999, 2000000000]  # by score
    assert len(r.failure.all(0, 100)) == 14


@pytest.mark.parametrize(("key", "space"), wrong_types(), ids=[k for k, _ in wrong_types()])
def test_every_get_route_with_a_key_of_the_wrong_type(redis_url: str, raw_redis: redis.Redis, key: str,
                                                        space: dict[str, Any]) -> None:
    load_space(raw_redis, space)
    for backend in ("redis", "redis_multi_queue"):
        app, client = make(redis_url, backend)
        seen = sweep_gets(app, client, [""])
        assert seen["/stats/keys"] == 200


def test_a_wrong_type_page_names_the_key(redis_url: str, raw_redis: redis.Redis) -> None:
    space = dict(wrong_types()[0][1])
    space["queue:good"] = ("hash", {"a": "1"})
    load_space(raw_redis, space)
    _, client = make(redis_url, "redis")
    overview = client.get("/").get_data(as_text=True)
    assert "wrong type" in overview  # the other queues still show
    response = client.get("/queues/good")
    assert response.status_code == 409
    assert "queue:good" in response.get_data(as_text=True) and "hash" in response.get_data(as_text=True)


@pytest.mark.parametrize("backend", ["redis", "redis_multi_queue"])
def test_every_post_route_over_wrong_values(redis_url: str, raw_redis: redis.Redis, backend: str) -> None:
    app, client = make(redis_url, backend)
    statuses = {}
    for path in routes(app, "POST"):
        load_space(raw_redis, wrong_values())
        form = {"csrf_token": token(client), "fingerprint": "0" * 16, "item": HOSTILE}
        response = client.post(path, data=form, headers=ORIGIN)
        assert response.status_code < 500, (path, response.get_data(as_text=True)[:2000])
        statuses[path] = response.status_code
    # every POST route was reached, past the CSRF and origin checks (a 403 would test nothing)
    assert len(statuses) >= 18 and 403 not in statuses.values(), statuses


@pytest.mark.parametrize(("key", "space"), wrong_types(), ids=[k for k, _ in wrong_types()])
def test_every_post_route_with_a_key_of_the_wrong_type(redis_url: str, raw_redis: redis.Redis, key: str,
                                                         space: dict[str, Any]) -> None:
    for backend in ("redis", "redis_multi_queue"):
        app, client = make(redis_url, backend)
        statuses = {}
        for path in routes(app, "POST"):
            load_space(raw_redis, space)
            form = {"csrf_token": token(client), "fingerprint": "0" * 16, "item": "x"}
            response = client.post(path, data=form, headers=ORIGIN)
            assert response.status_code < 500, (path, backend, response.get_data(as_text=True)[:2000])
            statuses[path] = response.status_code
        # every POST route was reached, past the CSRF and origin checks (a 403 would test nothing)
        assert len(statuses) >= 18 and 403 not in statuses.values(), statuses
