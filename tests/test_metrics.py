"""The dashboard's /metrics: parsed with prometheus_client's own parser, values checked
against a keyspace built here, behind the pages' auth, in a bounded number of round
trips, and never a 500 on hostile data."""

from __future__ import annotations

import time
from typing import Any

import redis
from prometheus_client.parser import text_string_to_metric_families

from resque_interop import Registry, Resque
from resque_interop.web.app import create_app

AUTH = ("ops", "s3cret")


def scrape(client: Resque, auth: tuple[str, str] | None = AUTH) -> tuple[int, dict[tuple[str, tuple[tuple[str, str], ...]], float], str]:
    app = create_app(client, auth=AUTH)
    headers = {}
    if auth:
        import base64

        headers["Authorization"] = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
    response = app.test_client().get("/metrics", headers=headers)
    text = response.get_data(as_text=True)
    samples = {}
    if response.status_code == 200:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return response.status_code, samples, response.headers.get("Content-Type", "")


def build_keyspace(client: Resque, raw: redis.Redis) -> None:
    for i in range(3):
        client.enqueue_ruby("Archive", i, queue="file_serve")
    client.enqueue_ruby("Noop", queue="low")
    client.enqueue_ruby("Noop", queue="empty")
    client.remove_queue("empty")
    client.store.workers.register_worker("h:1:file_serve,low", "2026-01-01 00:00:00 +0000")
    client.store.workers.register_worker("h:2:*", "2026-01-01 00:00:00 +0000")
    client.store.workers.register_worker("h:3:high", "2026-01-01 00:00:00 +0000")
    client.store.workers.set_worker_payload("h:2:*", b'{"queue":"low","run_at":"x","payload":{"class":"Noop","args":[]}}')
    raw.set("resque:stat:processed", 41)
    raw.set("resque:stat:failed", 5)
    raw.rpush("resque:failed", b"{}", b"{}")
    raw.sadd("resque:failed_queues", "low_failed")
    raw.rpush("resque:low_failed", b"{}", b"{}", b"{}")
    future = time.time() + 3600
    client.delayed.enqueue_at_with_queue("file_serve", future, "Archive", 1)
    client.delayed.enqueue_at_with_queue("file_serve", future, "Archive", 2)
    client.delayed.enqueue_at_with_queue("file_serve", future + 60, "Archive", 3)


def test_metrics_match_the_keyspace(r: Resque, raw_redis: redis.Redis) -> None:
    build_keyspace(r, raw_redis)
    status, samples, content_type = scrape(r)
    assert status == 200 and content_type.startswith("text/plain")
    assert samples == {
        ("resque_jobs_pending", (("queue", "file_serve"),)): 3.0,
        ("resque_jobs_pending", (("queue", "low"),)): 1.0,
        ("resque_processed_total", ()): 41.0,
        ("resque_failed_total", ()): 5.0,
        ("resque_failed_jobs", (("list", "failed"),)): 2.0,
        ("resque_failed_jobs", (("list", "low_failed"),)): 3.0,
        ("resque_workers", ()): 3.0,
        ("resque_workers_working", ()): 1.0,
        ("resque_queue_workers", (("queue", "file_serve"),)): 2.0,
        ("resque_queue_workers", (("queue", "low"),)): 2.0,
        ("resque_delayed_jobs", ()): 3.0,
        ("resque_metrics_malformed_keys", ()): 0.0,
    }
    info = r.info()
    assert (info["pending"], info["workers"], info["working"]) == (4, 3, 1)


def test_openmetrics_when_the_scraper_asks_for_it(raw_redis: redis.Redis, redis_url: str) -> None:
    from prometheus_client.openmetrics.parser import text_string_to_metric_families as openmetrics

    client = Resque(redis_url, registry=Registry(), hooks=[])
    client.enqueue_ruby("Noop", queue="low")
    response = create_app(client).test_client().get(
        "/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})
    assert response.headers["Content-Type"].startswith("application/openmetrics-text")
    families = {f.name: f for f in openmetrics(response.get_data(as_text=True))}
    assert families["resque_processed"].type == "counter"
    assert families["resque_jobs_pending"].samples[0].labels == {"queue": "low"}
    plain = create_app(client).test_client().get("/metrics")
    assert plain.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"


def test_metrics_need_the_pages_auth(r: Resque, raw_redis: redis.Redis) -> None:
    assert scrape(r, auth=None)[0] == 401
    assert scrape(r, auth=("ops", "wrong"))[0] == 401
    status, samples, _ = scrape(r)
    assert status == 200 and samples[("resque_workers", ())] == 0.0


class CountingConnection(redis.Connection):
    """A real connection that counts how often it sends (one send per round trip)."""

    sends = 0

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        type(self).sends += 1
        super().send_packed_command(command, check_health)


def test_a_scrape_costs_the_same_round_trips_for_3_or_300_queues(raw_redis: redis.Redis, redis_url: str) -> None:
    pool = redis.ConnectionPool.from_url(redis_url, connection_class=CountingConnection)
    client = Resque(redis.Redis(connection_pool=pool), registry=Registry(), hooks=[])
    app = create_app(client)

    def sends_per_scrape() -> int:
        CountingConnection.sends = 0
        assert app.test_client().get("/metrics").status_code == 200
        return CountingConnection.sends

    client.enqueue_many([(f"q{i}", "Noop", []) for i in range(3)])
    sends_per_scrape()  # the first also opens the connection (HELLO, CLIENT SETINFO)
    few = sends_per_scrape()
    client.enqueue_many([(f"q{i}", "Noop", []) for i in range(300)])
    for i in range(50):
        client.store.workers.register_worker(f"h:{i}:q{i}", "2026-01-01 00:00:00 +0000")
        client.delayed.enqueue_at_with_queue("q1", time.time() + 3600 + i, "Noop", i)
    assert sends_per_scrape() == few == 2


def test_hostile_data_never_fails_a_scrape(r: Resque, raw_redis: redis.Redis) -> None:
    r.enqueue_ruby("Noop", queue="low")
    raw_redis.sadd("resque:queues", "hashed")
    raw_redis.hset("resque:queue:hashed", "a", "b")  # a queue of the wrong type
    raw_redis.set("resque:stat:processed", "lots")  # not a number
    raw_redis.set("resque:stat:failed", "1.5")
    raw_redis.set("resque:failed_queues", "oops")  # a set expected
    raw_redis.sadd("resque:workers", "no-colons-at-all", "h:9:bad,:name")
    raw_redis.zadd("resque:delayed_queue_schedule", {"soon": 1})  # not a timestamp
    status, samples, _ = scrape(r)
    assert status == 200
    assert ("resque_processed_total", ()) not in samples and ("resque_failed_total", ()) not in samples
    assert samples[("resque_jobs_pending", (("queue", "low"),))] == 1.0
    assert samples[("resque_jobs_pending", (("queue", "hashed"),))] == 0.0
    assert samples[("resque_workers", ())] == 2.0
    assert samples[("resque_metrics_malformed_keys", ())] == 5.0
    raw_redis.set("resque:queues", "not a set")
    raw_redis.set("resque:workers", "not a set either")
    status, samples, _ = scrape(r)
    assert status == 200 and samples[("resque_workers", ())] == 0.0
