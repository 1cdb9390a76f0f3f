"""A real Ruby Resque 3.0 worker and a real resque_interop worker on one Redis: the
dashboard says which runtime runs each, and the keyspace holds nothing new for it."""

from __future__ import annotations

import re

import redis

from resque_interop import Resque
from resque_interop.web.app import create_app

from .support.ruby_peer import needs_ruby, ruby_worker
from .support.waiting import wait_for
from .support.workers import WorkerProcess

pytestmark = needs_ruby


def test_ruby_and_python_workers_are_told_apart(r: Resque, redis_url: str, raw_redis: redis.Redis) -> None:
    ruby_proc = ruby_worker(redis_url, "high,low", "0.1")
    try:
        with WorkerProcess(redis_url, "high,low", "-i", "0.05") as py:
            py_id = py.worker_id()
            wait_for(lambda: raw_redis.scard("resque:workers") == 2, what="both workers")
            ruby_id = next(w.decode() for w in raw_redis.smembers("resque:workers") if w.decode() != py_id)
            web = create_app(r).test_client()
            page = web.get("/workers").get_data(as_text=True)
            rows = dict(re.findall(r'<a href="/workers/([^"]+)">.*?runtime-(\w+)', page, re.S))
            assert rows == {py_id: "python", ruby_id: "ruby"}, rows
            # by a connection name only: no key was added for it
            assert not [k for k in raw_redis.keys("*") if b"interop" in k]
            r.pause_all()
            page = web.get("/workers").get_data(as_text=True)
            assert page.count('class="paused"') == 2
            r.resume_all()
            py.stop()
    finally:
        ruby_proc.terminate()
        ruby_proc.wait(timeout=30)
