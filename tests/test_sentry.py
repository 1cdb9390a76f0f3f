"""FAILURE_BACKEND=redis,sentry: real worker processes (fork per job and not) send
their failures to a loopback HTTP endpoint standing for Sentry, with the real
exception and traceback and Resque's tags, while Redis keeps its entry; an
unreachable or hanging Sentry loses nothing."""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import redis

pytest.importorskip("sentry_sdk")

from resque_interop import Resque  # noqa: E402
from resque_interop.failure import FailureInfo, MultipleFailureBackend  # noqa: E402
from resque_interop.failure.sentry import SentryFailureBackend, truncated_args  # noqa: E402

from .support.workers import WorkerProcess  # noqa: E402


class Sink:
    """A loopback HTTP endpoint that records Sentry envelopes (or never answers)."""

    def __init__(self, hang: bool = False) -> None:
        self.events: list[dict[str, Any]] = []
        self.release = threading.Event()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                if hang:
                    sink.release.wait(30)
                    return
                lines = body.split(b"\n")
                for header, payload in zip(lines[1::2], lines[2::2]):
                    if json.loads(header).get("type") == "event":
                        sink.events.append(json.loads(payload))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def dsn(self) -> str:
        return f"http://publickey@127.0.0.1:{self.server.server_address[1]}/42"

    def wait(self, count: int, timeout: float = 15.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.events) < count and time.monotonic() < deadline:
            time.sleep(0.02)  # the poll interval of this wait for events
        return self.events

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sink() -> Iterator[Sink]:
    s = Sink()
    yield s
    s.close()


def unreachable_dsn() -> str:
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://publickey@127.0.0.1:{port}/42"


def run_worker(redis_url: str, dsn: str, *args: str, **env: str) -> str:
    with WorkerProcess(redis_url, "low,high", "-i", "0", *args,
                       env={"FAILURE_BACKEND": "redis,sentry", "SENTRY_DSN": dsn, **env}) as worker:
        code = worker.proc.wait(60)
        assert code == 0, worker.output()
        return worker.output()


def tags(event: dict[str, Any]) -> dict[str, str]:
    raw = event.get("tags") or {}
    return dict(raw) if isinstance(raw, dict) else {k: v for k, v in raw}


@pytest.mark.parametrize("fork", ["--fork", "--no-fork"])
def test_failures_reach_redis_and_sentry_with_the_real_traceback(r: Resque,
    fork: str, sink: Sink, redis_url: str, raw_redis: redis.Redis
) -> None:
    r.enqueue_ruby("Failing", 1, "x" * 500, queue="low")
    r.enqueue_ruby("Noop", queue="low")
    run_worker(redis_url, sink.dsn, fork)
    (event,) = sink.wait(1)
    (record,) = r.failure.all(0, 5)
    assert record.exception == "tests.jobs.ArgumentError" and record.args == [1, "x" * 500]
    (exc,) = event["exception"]["values"]
    assert (exc["type"], exc["module"], exc["value"]) == ("ArgumentError", "tests.jobs", "boom <b>")
    frames = exc["stacktrace"]["frames"]
    assert frames[-1]["function"] == "failing" and frames[-1]["module"] == "tests.jobs"
    assert any(f["function"] == "perform" and f["module"] == "resque_interop.client.job" for f in frames)
    got = tags(event)
    assert (got["resque.queue"], got["resque.class"], got["resque.worker"]) == ("low", "Failing", record.worker)
    assert got["resque.args"].startswith("[1, 'xxx") and len(got["resque.args"]) <= 200
    assert event["contexts"]["resque"]["queue"] == "low"
    assert r.stats.get("processed") == 2 and r.stats.get("failed") == 1


def test_a_dirty_exit_is_sent_from_the_parent(r: Resque, sink: Sink, redis_url: str, raw_redis: redis.Redis) -> None:
    r.enqueue_ruby("Exit", 3, queue="high")
    run_worker(redis_url, sink.dsn)
    (event,) = sink.wait(1)
    (record,) = r.failure.all(0, 5)
    assert record.exception == "Resque::DirtyExit"
    assert event["exception"]["values"][0]["type"] == "DirtyExit"
    assert tags(event)["resque.class"] == "Exit"


@pytest.mark.parametrize("fork", ["--fork", "--no-fork"])
@pytest.mark.parametrize("outage", ["refused", "hanging"])
def test_a_sentry_outage_keeps_every_redis_failure(r: Resque, fork: str, outage: str, redis_url: str,
                                                  raw_redis: redis.Redis) -> None:
    hanging = Sink(hang=True) if outage == "hanging" else None
    try:
        dsn = hanging.dsn if hanging else unreachable_dsn()
        for i in range(3):
            r.enqueue_ruby("Failing", i, queue="low")
        r.enqueue_ruby("Archive", "after", queue="low")
        run_worker(redis_url, dsn, fork, SENTRY_FLUSH_TIMEOUT="0.3")
        records = r.failure.all(0, 10)
        assert [r.args for r in records] == [[0], [1], [2]]
        assert all(r.exception == "tests.jobs.ArgumentError" and r.backtrace for r in records)
        assert raw_redis.lrange("contract:results", 0, -1) == [b'["after"]']
    finally:
        if hanging:
            hanging.close()


@pytest.fixture
def sentry_in_process() -> Iterator[None]:
    import sentry_sdk

    yield
    sentry_sdk.get_client().close(timeout=1)
    sentry_sdk.get_global_scope().set_client(None)


def test_python_api_and_a_failure_without_an_exception(r: Resque,
    sentry_in_process: None, sink: Sink, raw_redis: redis.Redis
) -> None:
    sentry = SentryFailureBackend(r, dsn=sink.dsn)
    r.failure = MultipleFailureBackend(r, [r.failure, sentry])
    huge = {"blob": "y" * 100_000, "list": list(range(1000))}
    r.save_failure(FailureInfo({"class": "Archive", "args": [huge]}, "Resque::DirtyExit", "gone", [], "h:1:low", "low"))
    import sentry_sdk

    sentry_sdk.flush(timeout=5)
    sink.wait(1)  # in order

    wrapper = {"class": "ActiveJob::QueueAdapters::ResqueAdapter::JobWrapper",
               "args": [{"job_class": "ArchiveJob", "arguments": [44]}]}
    try:
        raise KeyError("missing")
    except KeyError as exc:
        r.save_failure(FailureInfo.from_exception(exc, wrapper, "h:1:low", "low"))
    sentry_sdk.flush(timeout=5)
    first, second = sink.wait(2)
    assert first["message"] == "Resque::DirtyExit: gone" or first["logentry"]["message"] == "Resque::DirtyExit: gone"
    assert len(tags(first)["resque.args"]) <= 200
    assert len(first["contexts"]["resque"]["args"]) <= 2000
    assert tags(second)["resque.class"] == "ArchiveJob"  # the class people mean, not the wrapper
    assert second["exception"]["values"][0]["type"] == "KeyError"
    assert r.failure.count() == 2


def test_truncated_args_is_bounded_and_readable() -> None:
    assert truncated_args([1, "x"], 200) == "[1, 'x']"
    text = truncated_args([{"a": "z" * 10_000}] * 50, 200)
    assert len(text) <= 200 and text.startswith("[{'a': 'zzz")


def test_unknown_backend_names_are_refused_clearly(redis_url: str) -> None:
    with pytest.raises(ValueError, match="redis,sentry"):
        Resque(redis_url, failure_backend="redis,airbrake")


def test_the_cli_takes_backend_lists(r: Resque, redis_url: str, raw_redis: redis.Redis) -> None:
    from click.testing import CliRunner

    from resque_interop.cli import main

    r.save_failure(FailureInfo({"class": "Archive", "args": [1]}, "RuntimeError", "boom", [], "w", "low"))
    env = {"REDIS_URL": redis_url, "FAILURE_BACKEND": "redis,sentry", "SENTRY_DSN": ""}
    listed = CliRunner().invoke(main, ["failed", "list", "--json"], env=env)
    assert listed.exit_code == 0, listed.output
    assert '"boom"' in listed.output
    refused = CliRunner().invoke(main, ["failed", "list", "--failure-backend", "redis,airbrake"], env=env)
    assert refused.exit_code == 2 and "'airbrake'" in refused.output
