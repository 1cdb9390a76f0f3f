"""What a new user meets in the first hour: finding the app module, the worker's
start-up line, errors that name the way out, tables that keep whole ids, JSON
listings, retrying failures twice, readable times, and stopping the scheduler
and the dashboard with signals."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
import redis
from click.testing import CliRunner

from resque_interop import Registry, Resque
from resque_interop.cli import main
from resque_interop.dev.redis_server import find_redis_server, free_port
from resque_interop.errors import UnknownJobError
from resque_interop.failure import FailureInfo
from resque_interop.runtime.logfmt import format_args
from resque_interop.schema.timefmt import parse_time

from .support.waiting import wait_for
from .support.workers import HOST, ROOT

JOBS = '''from resque_interop import job


@job("Archive", queue="file_serve")
def archive(episode_id, brand):
    print("archived", episode_id, brand)
'''


@pytest.fixture
def cli(redis_url: str, raw_redis: redis.Redis, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("COLUMNS", "80")  # what rich assumed for a pipe: must not cut anything now
    monkeypatch.delenv("RESQUE_NAMESPACE", raising=False)
    runner = CliRunner()

    def run(*args: str, ok: bool = True) -> str:
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert (result.exit_code == 0) == ok, result.output
        return result.output

    return run


def _env(redis_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "RESQUE_APP")}
    return {**env, "REDIS_URL": redis_url, **extra}


@pytest.fixture
def console_script(tmp_path: Path) -> list[str]:
    """The CLI as its console script runs it: sys.path[0] is the script's folder, not
    the current directory (``python -m`` would add that itself)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "resque-interop"
    script.write_text("import sys\nfrom resque_interop.cli import main\nsys.exit(main())\n")
    return [sys.executable, str(script)]


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    """A project folder holding ``myapp/jobs.py`` and ``myapp/broken.py``."""
    project = tmp_path / "project"
    (project / "myapp").mkdir(parents=True)
    (project / "myapp" / "__init__.py").write_text("")
    (project / "myapp" / "jobs.py").write_text(JOBS)
    (project / "myapp" / "broken.py").write_text("import no_such_dependency_here\n")
    (tmp_path / "elsewhere").mkdir()
    return project


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


# 2. -A finds modules from the current directory; the error says where it looked
def test_app_module_is_found_from_the_current_directory_or_a_path(
    console_script: list[str], app_dir: Path, redis_url: str, raw_redis: redis.Redis
) -> None:
    env = _env(redis_url)
    done = _run([*console_script, "enqueue", "Archive", "[1]", "-A", "myapp.jobs"], app_dir, env)
    assert done.returncode == 0, done.stderr
    elsewhere = app_dir.parent / "elsewhere"
    done = _run([*console_script, "enqueue", "Archive", "[2]", "-A", str(app_dir / "myapp" / "jobs.py")],
                elsewhere, env)
    assert done.returncode == 0, done.stderr
    done = _run([*console_script, "enqueue", "Archive", "[3]", "-A", "myapp.jobs"], elsewhere,
                {**env, "PYTHONPATH": str(app_dir)})
    assert done.returncode == 0, done.stderr
    assert raw_redis.lrange("resque:queue:file_serve", 0, -1) == [
        b'{"class":"Archive","args":[%d]}' % i for i in (1, 2, 3)
    ]

    done = _run([*console_script, "enqueue", "Archive", "[4]", "-A", "myapp.jobs"], elsewhere, env)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    message = done.stderr
    assert "cannot import app module 'myapp.jobs': No module named 'myapp'" in message
    assert f"current directory ({elsewhere.resolve()})" in message or f"current directory ({elsewhere})" in message
    assert "Run from the folder that holds myapp/" in message and "PYTHONPATH" in message
    assert "-A path/to/myapp/jobs.py" in message

    # a module that is found but fails on its own import names that, not the folder
    done = _run([*console_script, "work", "-q", "x", "-A", "myapp.broken"], app_dir, env)
    assert done.returncode == 1
    assert "No module named 'no_such_dependency_here'" in done.stderr
    assert "Run from the folder" not in done.stderr
    assert raw_redis.llen("resque:queue:file_serve") == 3


# 3. the worker's start-up line
def test_worker_prints_one_start_up_line_without_the_password(tmp_path: Path) -> None:
    port = free_port()
    server = subprocess.Popen([find_redis_server(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", str(tmp_path), "--requirepass", "s3cret-pw"],
                              stdout=subprocess.DEVNULL)
    try:
        url = f"redis://:s3cret-pw@127.0.0.1:{port}/0"
        wait_for(lambda: _answers(url), what="redis-server with a password")
        for flag, forking in (("--fork", "forks a child per job"), ("--no-fork", "runs jobs in-process (no fork)")):
            done = subprocess.run([sys.executable, "-m", "resque_interop", "work", "-A", "tests.jobs",
                                   "-q", "file_serve,*,!low", flag],
                                  env={**_env(url, INTERVAL="0"), "PYTHONPATH": str(ROOT)}, cwd=ROOT,
                                  capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, done.stderr
            lines = [line for line in done.stderr.splitlines() if "starting" in line]
            assert len(lines) == 1, done.stderr
            line = lines[0]
            assert re.match(rf"\*\*\* \[[^]]+\] worker {re.escape(HOST)}:\d+:file_serve,\* starting: ", line), line
            assert "queues file_serve,*,!low" in line and forking in line
            assert f"Redis redis://127.0.0.1:{port}/0 (namespace resque)" in line
            assert "app tests.jobs" in line and re.search(r"jobs .*\bArchive\b", line)
            assert "s3cret-pw" not in done.stderr + done.stdout
    finally:
        server.terminate()
        server.wait(10)


def _answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.2).ping())
    except redis.RedisError:
        return False


# 4. unknown classes: both ways out
def test_unknown_class_errors_name_both_ways_out(cli) -> None:  # type: ignore[no-untyped-def]
    # a name no test module registers (an earlier in-process -A may have registered Archive)
    out = cli("enqueue", "NotRegisteredHere", '[47, "cbbc"]', "-q", "file_serve", ok=False)
    assert "unknown class 'NotRegisteredHere'" in out and "-A MODULE" in out and "--ruby" in out
    message = str(UnknownJobError("NotRegisteredHere", []))
    assert "-A module" in message and "Ruby workers" in message


# 5. whole identifiers when not on a terminal; --json on every listing
def test_tables_keep_long_ids_and_every_listing_has_json(r: Resque, cli, raw_redis: redis.Redis) -> None:  # type: ignore[no-untyped-def]
    long_queue = "vm_110-" + "q" * 60
    worker_id = f"{'h' * 40}.example.internal:4242:{long_queue}"
    raw_redis.sadd("resque:workers", worker_id)
    raw_redis.set(f"resque:worker:{worker_id}:started", "2026-11-28 23:41:44 +0000")
    r.enqueue_ruby("Archive", 44, "masterbrew", queue=long_queue)
    r.save_failure(FailureInfo({"class": "Archive", "args": [1]}, "RuntimeError", "boom", [], worker_id,
                               long_queue))
    r.delayed.enqueue_at_with_queue(long_queue, 2_000_000_000, "Archive", 45)
    for args in (["workers"], ["queues"], ["stats"], ["failed", "list"]):
        out = cli(*args)
        assert long_queue in out, (args, out)
        assert "…" not in out, (args, out)
    assert worker_id in cli("workers")
    started = parse_time("2026-11-28 23:41:44 +0000")
    assert started is not None and started.astimezone().isoformat() in cli("workers")

    assert json.loads(cli("queues", "--json")) == {long_queue: 1}
    assert json.loads(cli("peek", long_queue, "--json")) == [{"class": "Archive", "args": [44, "masterbrew"]}]
    assert [w["id"] for w in json.loads(cli("workers", "--json"))] == [worker_id]
    assert json.loads(cli("info", "--json"))["pending"] == 1
    stats = json.loads(cli("stats", "--json"))
    assert stats["processed"] == 0 and {"key": f"queue:{long_queue}", "type": "list", "size": 1} in stats["keys"]
    assert json.loads(cli("failed", "list", "--json"))[0]["queue"] == long_queue
    assert json.loads(cli("failed", "classes", "--json")) == {"failed": {"Archive": 1}}
    (entry,) = json.loads(cli("delayed", "--json"))
    assert entry["timestamp"] == 2_000_000_000 and entry["jobs"] == 1
    assert datetime.fromisoformat(entry["time"]).timestamp() == 2_000_000_000

    raw_redis.rpush(f"resque:queue:{long_queue}", b"not json")
    assert json.loads(cli("peek", long_queue, "--json"))[1] == "not json"


# 6. retry --all and failures retried before
def test_retry_all_counts_the_retried_and_can_skip_them(r: Resque, cli, redis_url: str, raw_redis: redis.Redis) -> None:  # type: ignore[no-untyped-def]
    for i in range(3):
        r.save_failure(FailureInfo({"class": "A", "args": [i]}, "RuntimeError", "boom", [], "w", "low"))
    r.failure.requeue(0)
    raw_redis.delete("resque:queue:low")

    out = cli("failed", "retry", "--all", "--skip-retried")
    assert "retried 2; left 1 that had been retried before" in out
    assert raw_redis.lrange("resque:queue:low", 0, -1) == [b'{"class":"A","args":[1]}', b'{"class":"A","args":[2]}']
    raw_redis.delete("resque:queue:low")

    out = cli("failed", "retry", "--all")
    assert "retried 3, 3 of them retried before" in out and "failed clear --retried" in out
    assert raw_redis.llen("resque:queue:low") == 3  # as Ruby's requeue_all: every one again
    assert "goes with --all" in cli("failed", "retry", "0", "--skip-retried", ok=False)

    multi = Resque(redis_url, registry=Registry(), failure_backend="redis_multi_queue")
    raw_redis.flushdb()
    for i in range(2):
        multi.save_failure(FailureInfo({"class": "A", "args": [i]}, "E", "x", [], "w", "low"))
    multi.failure.requeue(1, "low_failed")
    out = cli("failed", "retry", "--all", "--skip-retried", "--failure-backend", "redis_multi_queue")
    assert "retried 1; left 1" in out
    assert raw_redis.lrange("resque:queue:low", 0, -1) == [b'{"class":"A","args":[1]}', b'{"class":"A","args":[0]}']


# 7. times for people; args as JSON in job log lines
def test_times_are_iso_with_the_epoch_and_log_lines_show_json(r: Resque, cli, redis_url: str, raw_redis: redis.Redis) -> None:  # type: ignore[no-untyped-def]
    before = int(time.time())
    out = cli("enqueue", "Archive", '[62, "slow"]', "-q", "file_serve", "--ruby", "--in", "5")
    match = re.search(r'enqueued Archive\[62,"slow"\] on file_serve at (\S+) \(epoch (\d+)\)', out)
    assert match, out
    when, epoch = datetime.fromisoformat(match.group(1)), int(match.group(2))
    assert when.tzinfo is not None and int(when.timestamp()) == epoch
    assert before + 5 <= epoch <= int(time.time()) + 5
    assert raw_redis.zrange("resque:delayed_queue_schedule", 0, -1) == [str(epoch).encode()]

    r.save_failure(FailureInfo({"class": "A", "args": [1]}, "RuntimeError", "boom", [], "w", "low"))
    failed_at = json.loads(cli("failed", "list", "--json"))[0]["failed_at"]  # as Ruby wrote it
    assert re.fullmatch(r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \S+", failed_at)
    assert re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", cli("failed", "list"))

    assert format_args([62, "slow", {"a": None}, "ünï"]) == '[62,"slow",{"a":null},"ünï"]'
    r.enqueue_ruby("Archive", 62, "slow", queue="file_serve")
    done = subprocess.run([sys.executable, "-m", "resque_interop", "work", "-A", "tests.jobs", "-q", "file_serve"],
                          env={**_env(redis_url, INTERVAL="0", VERBOSE="1"), "PYTHONPATH": str(ROOT)}, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert 'got: (Job{file_serve} | Archive | [62,"slow"])' in done.stderr


# 8. stopping the scheduler and the dashboard, as docs/operations.md says
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGQUIT])
def test_scheduler_stops_on_term_int_quit_and_gives_up_the_lock(sig: int, redis_url: str,
                                                                 raw_redis: redis.Redis, tmp_path: Path) -> None:
    schedule = tmp_path / "schedule.yml"  # with schedules to fire, it takes the master lock
    schedule.write_text("hourly:\n  every: 1h\n  class: Report\n  queue: low\n")
    proc = subprocess.Popen([sys.executable, "-m", "resque_interop", "scheduler", "-i", "30",
                             "--schedule", str(schedule)],
                            env={**_env(redis_url), "PYTHONPATH": str(ROOT)}, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        lock = wait_for(lambda: raw_redis.keys("*resque_scheduler_master_lock"), what="the master lock")
        proc.send_signal(sig)
        assert proc.wait(20) == 0  # at once, not after the 30 s interval
        assert not raw_redis.exists(*lock)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_dashboard_stops_on_term_and_int(sig: int, redis_url: str) -> None:
    import urllib.request

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "resque_interop", "web", "-p", str(port)],
                            env={**_env(redis_url), "PYTHONPATH": str(ROOT)}, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def serving() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as page:
                    return bool(page.status == 200)
            except OSError:
                return False

        wait_for(serving, what="the dashboard")
        proc.send_signal(sig)
        assert proc.wait(20) in (0, -sig)  # INT: exit 0; TERM: the default action, as systemd expects
        assert not serving()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("whole_group", [False, True])
def test_quit_to_the_worker_only_lets_the_job_finish(r: Resque, whole_group: bool, redis_url: str,
                                                     raw_redis: redis.Redis) -> None:
    """Why docs/operations.md says KillMode=mixed (systemd) and stopasgroup=false
    (supervisord): QUIT to the worker finishes the job; QUIT to its whole group
    reaches the job's child too, and that ends the job."""
    r.enqueue_ruby("Sleep", 1.5, queue="high")
    proc = subprocess.Popen([sys.executable, "-m", "resque_interop", "work", "-A", "tests.jobs", "-q", "high",
                             "-i", "0.1"], env={**_env(redis_url), "PYTHONPATH": str(ROOT)}, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for(lambda: raw_redis.keys("resque:worker:*:high") and raw_redis.get(
            raw_redis.keys("resque:worker:*:high")[0]), what="the job under way")
        if whole_group:
            os.killpg(proc.pid, signal.SIGQUIT)
        else:
            os.kill(proc.pid, signal.SIGQUIT)
        assert proc.wait(20) == 0
        processed, failed = raw_redis.get("resque:stat:processed"), raw_redis.llen("resque:failed")
        if whole_group:
            assert failed == 1 and b"DirtyExit" in raw_redis.lindex("resque:failed", 0)  # type: ignore[operator]
        else:
            assert (processed, failed) == (b"1", 0)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
