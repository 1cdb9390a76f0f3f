"""Every command through click's runner, and the worker commands as real processes."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from click.testing import CliRunner

from resque_interop import Registry, Resque
from resque_interop.cli import main
from resque_interop.dev.redis_server import RedisServer
from resque_interop.failure import FailureInfo

from .support.waiting import wait_for
from .support.workers import HOST, ROOT


@pytest.fixture
def cli(redis_url: str, raw_redis: redis.Redis, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.delenv("RESQUE_NAMESPACE", raising=False)
    runner = CliRunner()

    def run(*args: str, ok: bool = True, **kwargs: object) -> str:
        result = runner.invoke(main, list(args), catch_exceptions=False, **kwargs)  # type: ignore[arg-type]
        assert (result.exit_code == 0) == ok, result.output
        return result.output

    return run


def test_help_is_complete_and_matches_docs() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    import cli_docs

    os.environ["COLUMNS"] = "100"
    assert cli_docs.render() == (ROOT / "docs" / "cli.md").read_text(), "run: COLUMNS=100 python scripts/cli_docs.py > docs/cli.md"
    runner = CliRunner()
    names = ["work", "workers", "enqueue", "queues", "peek", "clear", "info", "stats", "prune", "pause", "resume",
             "failed", "web", "demo"]
    for name in names:
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output, name
    work_help = runner.invoke(main, ["work", "--help"]).output
    for env in ("QUEUES", "INTERVAL", "MIN_INTERVAL", "MAX_INTERVAL", "BACKOFF_INTERVAL", "PIDFILE", "BACKGROUND",
                "VERBOSE", "VVERBOSE", "REDIS_URL", "RESQUE_NAMESPACE", "RESQUE_APP", "FORK_PER_JOB"):
        assert env in work_help, env


def test_enqueue_and_queue_commands(cli, raw_redis: redis.Redis, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert "enqueued Archive" in cli("enqueue", "Archive", '[44, "masterbrew"]', "-A", "tests.jobs")
    assert raw_redis.lrange("resque:queue:file_serve", 0, -1) == [b'{"class":"Archive","args":[44,"masterbrew"]}']
    cli("enqueue", "Transcode", "[1.5]", "-q", "media", "--ruby")
    assert raw_redis.lrange("resque:queue:media", 0, -1) == [b'{"class":"Transcode","args":[1.5]}']
    lines = tmp_path / "jobs.jsonl"
    lines.write_text("\n".join(json.dumps([i, "x"]) for i in range(50)) + "\n")
    assert "enqueued 50" in cli("enqueue", "Transcode", "-q", "media", "--ruby", "-f", str(lines))
    assert raw_redis.llen("resque:queue:media") == 51
    out = cli("queues")
    assert "file_serve" in out and "media" in out and "51" in out
    assert '{"class":"Transcode","args":[0,"x"]}' in cli("peek", "media", "-s", "1", "-n", "1")
    assert "cleared 51" in cli("clear", "media", "--yes")
    assert raw_redis.llen("resque:queue:media") == 0
    cli("clear", "media", "--forget", "--yes")
    assert b"media" not in raw_redis.smembers("resque:queues")
    info = cli("info")
    assert "pending: 1" in info and "queues: 1" in info
    assert "queue:file_serve" in cli("stats")


def test_errors_are_one_clear_line(cli) -> None:  # type: ignore[no-untyped-def]
    out = cli("enqueue", "Archive", "[44,", "-A", "tests.jobs", ok=False)
    assert "ARGS must be a JSON array" in out and "Traceback" not in out
    out = cli("enqueue", "Nope", "[1]", "-A", "tests.jobs", ok=False)
    assert "unknown class 'Nope'" in out and "Archive" in out
    out = cli("work", "-q", "colon:inside", "-A", "tests.jobs", ok=False)
    assert "':' or ','" in out
    out = cli("work", "-A", "tests.jobs", ok=False)
    assert "at least one queue" in out
    out = cli("queues", "-r", "redis://127.0.0.1:1/0", ok=False)
    assert "cannot reach Redis at redis://127.0.0.1:1/0" in out and "Traceback" not in out
    out = cli("work", "-q", "x", "-A", "no.such.module", ok=False)
    assert "cannot import app module" in out


def test_workers_prune_pause(cli, redis_url: str, raw_redis: redis.Redis) -> None:  # type: ignore[no-untyped-def]
    raw_redis.sadd("resque:workers", f"{HOST}:999999:high", "other:1:low")
    raw_redis.set(f"resque:worker:{HOST}:999999:high:started", "2026-11-28 23:41:44 +0000")
    listing = cli("workers", "--json")
    assert {w["id"] for w in json.loads(listing)} == {f"{HOST}:999999:high", "other:1:low"}
    assert "other" in cli("workers")
    assert f"{HOST}:999999:high" in cli("prune")
    assert raw_redis.smembers("resque:workers") == {b"other:1:low"}
    cli("pause")
    assert raw_redis.get("resque:pause-all-workers") == b"true"
    cli("resume")
    assert not raw_redis.exists("resque:pause-all-workers")


def test_failed_commands(r: Resque, cli, redis_url: str, raw_redis: redis.Redis) -> None:  # type: ignore[no-untyped-def]
    for i, queue in enumerate(["low", "high", "low"]):
        r.save_failure(FailureInfo({"class": "A", "args": [i]}, "RuntimeError", f"boom {i}", [], "w", queue))
    assert "boom 1" in cli("failed", "list")
    r.save_failure(FailureInfo({"class": "B", "args": [3]}, "RuntimeError", "boom B", [], "w", "low"))
    only_b = json.loads(cli("failed", "list", "--class", "B", "--json"))
    assert [(f["index"], f["class"]) for f in only_b] == [(3, "B")]
    assert re.search(r"failed\W+A\W+3\b", cli("failed", "classes"))
    assert re.search(r"failed\W+B\W+1\b", cli("failed", "classes"))
    assert "removed 1" in cli("failed", "remove", "3", "--yes")
    assert json.loads(cli("failed", "show", "1"))["error"] == "boom 1"
    assert "retried A on high" in cli("failed", "retry", "1")
    assert "retried A on elsewhere" in cli("failed", "retry", "0", "--to", "elsewhere")
    assert "retried 2" in cli("failed", "retry", "--queue", "low")
    assert "removed 3 retried" in cli("failed", "clear", "--retried", "--yes")
    r.save_failure(FailureInfo({"class": "A", "args": [7]}, "RuntimeError", "again", [], "w", "low"))
    assert "retried 1" in cli("failed", "retry", "--all")
    assert "removed 1" in cli("failed", "remove", "0", "-y")
    assert r.failure.count() == 0
    r.save_failure(FailureInfo({"class": "A", "args": [9]}, "E", "x", [], "w", "low"))
    cli("failed", "clear", "--yes")
    assert r.failure.count() == 0
    assert "no failure at index 5" in cli("failed", "show", "5", ok=False)
    multi = Resque(redis_url, registry=Registry(), failure_backend="redis_multi_queue")
    multi.save_failure(FailureInfo({"class": "A", "args": [1]}, "E", "x", [], "w", "low"))
    assert "low_failed" in cli("failed", "list", "--failure-backend", "redis_multi_queue")
    assert "retried A on low" in cli("failed", "retry", "0", "-l", "low_failed", "--failure-backend",
                                     "redis_multi_queue")


def _env(redis_url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "REDIS_URL": redis_url, "RESQUE_TEST_REDIS_URL": redis_url, "PYTHONPATH": str(ROOT), **extra}


def test_worker_pool_runs_and_stops_together(redis_url: str, raw_redis: redis.Redis) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "resque_interop", "workers", "-A", "tests.jobs", "-q", "file_serve",
                             "-i", "0.1"], env=_env(redis_url, COUNT="3"), cwd=ROOT)
    try:
        wait_for(lambda: raw_redis.scard("resque:workers") == 3, what="three workers")
        client = Resque(redis_url, registry=Registry())
        for i in range(30):
            client.enqueue_ruby("Archive", i, queue="file_serve")
        wait_for(lambda: raw_redis.llen("contract:results") == 30, what="jobs done")
        proc.send_signal(signal.SIGQUIT)
        assert proc.wait(30) == 0
        assert raw_redis.scard("resque:workers") == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_pidfile_and_background(redis_url: str, raw_redis: redis.Redis, tmp_path: Path) -> None:
    pidfile = tmp_path / "worker.pid"
    done = subprocess.run([sys.executable, "-m", "resque_interop", "work", "-A", "tests.jobs", "-q", "bg"],
                          env=_env(redis_url, BACKGROUND="1", PIDFILE=str(pidfile)), cwd=ROOT, timeout=30)
    assert done.returncode == 0  # the foreground process returns at once
    pid = int(wait_for(lambda: pidfile.exists() and pidfile.read_text().strip(), what="pidfile"))
    wait_for(lambda: raw_redis.sismember("resque:workers", f"{HOST}:{pid}:bg"), what="registered")
    os.kill(pid, signal.SIGQUIT)
    wait_for(lambda: not raw_redis.sismember("resque:workers", f"{HOST}:{pid}:bg"), what="unregistered")


def _keyspace(client: redis.Redis) -> tuple[dict[tuple[int, bytes], bytes | None], int]:
    """Every key of every database with its DUMP, and the count of writes since start-up."""
    databases = int(client.config_get("databases")["databases"])
    dumped = {}
    for db in range(databases):
        with redis.Redis(port=client.connection_pool.connection_kwargs["port"], db=db) as one:
            dumped.update({(db, key): one.dump(key) for key in one.scan_iter()})
    return dumped, int(client.info("persistence")["rdb_changes_since_last_save"])


@pytest.fixture
def redis_on_6379() -> Iterator[redis.Redis]:
    """A redis-server of this test's own where a developer's would be (127.0.0.1:6379), holding a
    key of its own: whatever the demo does, that Redis must not change."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", 6379))
        except OSError:
            pytest.skip("port 6379 is taken by a server this test did not start: it cannot check that one")
    with RedisServer(port=6379) as server:
        client = redis.Redis(port=server.port)
        client.set("my:own:key", "a developer's data")
        yield client
        client.close()


def test_demo_runs_end_to_end(redis_url: str, raw_redis: redis.Redis, redis_on_6379: redis.Redis) -> None:
    before = _keyspace(redis_on_6379)
    env = {k: v for k, v in _env(redis_url).items() if k not in ("REDIS_URL", "RESQUE_REDIS", "RESQUE_NAMESPACE")}
    # a real Resque's data where REDIS_URL points: the demo keeps out of it, RESQUE_NAMESPACE or not
    real = redis.Redis.from_url(redis_url.rsplit("/", 1)[0] + "/3")
    real.rpush("resque:queue:file_serve", b'{"class":"Archive","args":[1,"real"]}')
    real.sadd("resque:queues", "file_serve")
    real.set("resque:stat:processed", 7)
    real_before = {k: real.dump(k) for k in real.scan_iter()}
    for run_env in (_env(redis_url.rsplit("/", 1)[0] + "/3", RESQUE_NAMESPACE="resque"), env):
        done = subprocess.run([sys.executable, "-m", "resque_interop", "demo"], env=run_env, cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        out = done.stdout
        assert '{"class":"Archive","args":[44,"masterbrew"]}' in out
        assert "Processed: 4   Failed: 1" in out and "episode id must be a number" in out
        assert "resque:demo:stat:processed" in out and "dashboard" in out and "-N resque:demo" in out
    assert "started a private redis-server" in out  # with REDIS_URL unset, not the one on 6379
    assert _keyspace(redis_on_6379) == before
    after = {k: real.dump(k) for k in real.scan_iter() if not k.startswith(b"resque:demo:")}
    assert after == real_before
    real.close()


def test_work_logs_with_verbose(r: Resque, redis_url: str, raw_redis: redis.Redis) -> None:
    r.enqueue_ruby("Archive", 1, queue="file_serve")
    done = subprocess.run([sys.executable, "-m", "resque_interop", "work", "-A", "tests.jobs", "-q", "file_serve"],
                          env=_env(redis_url, INTERVAL="0", VERBOSE="1"), cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0
    assert "got: (Job{file_serve} | Archive | [1])" in done.stderr and "done:" in done.stderr


def test_web_command_uses_resque_webs_options(cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import waitress

    seen: dict[str, object] = {}
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: seen.update(kw, app=app))
    out = cli("web", "-p", "6789", "-N", "resque:GitHub", "--user", "u", "--password", "p")
    assert seen["host"] == "127.0.0.1" and seen["port"] == 6789
    assert "namespace resque:GitHub" in out
    app = seen["app"]
    assert app.test_client().get("/").status_code == 401  # type: ignore[attr-defined]
    cli("web", "-o", "0.0.0.0")
    assert seen["host"] == "0.0.0.0"


def test_hooks_registered_by_the_app_module_run_in_cli_workers(redis_url: str, raw_redis: redis.Redis) -> None:
    Resque(redis_url, registry=Registry(), hooks=[]).enqueue_ruby("Archive", 1, queue="file_serve")
    done = subprocess.run([sys.executable, "-m", "resque_interop", "work", "-A", "tests.jobs", "-q", "file_serve"],
                          env=_env(redis_url, INTERVAL="0", RECORD_HOOKS="1"), cwd=ROOT, timeout=60)
    assert done.returncode == 0
    (entry,) = raw_redis.lrange("contract:hooks", 0, -1)
    assert entry.decode().startswith("after_perform Archive ")
