"""One-line errors for what a newcomer meets first: a module file hiding the jobs package,
a port another process holds."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import redis

from .support.workers import ROOT


def run(argv: list[str], cwd: Path, redis_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REDIS_URL": redis_url, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "resque_interop", *argv], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=60)


def test_a_module_file_hiding_the_package_is_named(tmp_path: Path, redis_url: str, raw_redis: redis.Redis) -> None:
    (tmp_path / "myapp.py").write_text("app = object()  # the FastAPI app of the docs\n")
    (tmp_path / "myapp").mkdir()
    (tmp_path / "myapp" / "jobs.py").write_text(
        "from resque_interop import job\n\n@job('Archive', queue='file_serve')\ndef archive(*a): pass\n")
    done = run(["enqueue", "Archive", "[1]", "-A", "myapp.jobs"], tmp_path, redis_url)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"'myapp' is the module file {tmp_path / 'myapp.py'}, not a package" in done.stderr
    assert "has no __init__.py, so the file wins" in done.stderr and "Add myapp/__init__.py" in done.stderr
    (tmp_path / "myapp" / "__init__.py").write_text("")
    done = run(["enqueue", "Archive", "[1]", "-A", "myapp.jobs"], tmp_path, redis_url)
    assert done.returncode == 0, done.stderr
    assert raw_redis.llen("resque:queue:file_serve") == 1


def test_a_busy_port_is_one_line(tmp_path: Path, redis_url: str) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = run(["web", "-p", str(port)], tmp_path, redis_url)
        assert done.returncode == 1
        assert f"cannot listen on 127.0.0.1:{port}" in done.stderr and "choose another with -p" in done.stderr
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) <= 2
        done = run(["work", "-q", "x", "-i", "0", "--metrics-port", str(port)], tmp_path, redis_url)
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert f"cannot serve metrics on 127.0.0.1:{port}" in done.stderr
