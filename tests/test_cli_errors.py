"""One-line errors for what a newcomer meets first: a module file hiding the jobs package,
a port another process holds; a long-running command's banner and error line timestamped
as its log lines."""

from __future__ import annotations

import os
import re
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


#: the prefix every log line of a worker or scheduler has (runtime/process.py's TimestampFormatter):
#: ``*** [2026-12-05T10:15:02.114+01:00] ``
LOG_PREFIX = r"\*\*\* \[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d\] "


def test_long_running_commands_banner_and_error_lines_are_timestamped_as_their_log_lines(
        tmp_path: Path, redis_url: str, raw_redis: redis.Redis) -> None:
    raw_redis.rpush("resque:queue:file_serve", b'{"class":"Noop","args":[]}')
    raw_redis.sadd("resque:queues", "file_serve")
    env_url = {"RESQUE_TEST_REDIS_URL": redis_url}
    done = subprocess.run([sys.executable, "-m", "resque_interop", "work", "-A", "tests.jobs", "-q", "file_serve",
                           "-i", "0", "-v", "--no-fork"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "REDIS_URL": redis_url, "PYTHONPATH": str(ROOT), **env_url})
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    [banner] = [line for line in lines if " starting: queues file_serve" in line]
    assert re.match(LOG_PREFIX + r"worker \S+ starting: ", banner), banner
    logged = [line for line in lines if "done: " in line]  # a job's log line (-v), for comparison
    assert logged and all(re.match(LOG_PREFIX, line) for line in logged), done.stderr
    assert raw_redis.llen("resque:queue:file_serve") == 0

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = run(["work", "-q", "x", "-i", "0", "--metrics-port", str(port)], tmp_path, redis_url)
    assert done.returncode == 1
    assert re.fullmatch(LOG_PREFIX + rf"Error: cannot serve metrics on 127.0.0.1:{port}: .*", done.stderr.strip()), \
        done.stderr
    done = run(["scheduler", "-s", str(tmp_path / "missing.yml")], tmp_path, redis_url)
    assert done.returncode == 1 and re.fullmatch(LOG_PREFIX + r"Error: schedule refused: .*", done.stderr.strip()), \
        done.stderr

    # a short command's error is for the person who typed it: a plain line, as before
    done = run(["enqueue", "Archive", "[1]", "-A", "no_such_app_module"], tmp_path, redis_url)
    assert done.returncode == 1 and done.stderr.startswith("Error: cannot import app module"), done.stderr
    # bad arguments to a long-running command are usage errors, said before it starts
    done = run(["work", "-i", "soon"], tmp_path, redis_url)
    assert done.returncode == 2 and "Error: Invalid value for '-i'" in done.stderr and "***" not in done.stderr
