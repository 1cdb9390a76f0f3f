"""``resque-interop pool``: resque-pool 0.8.0's config file and signals, with real workers."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from resque_interop.runtime.pool_config import (
    PoolConfigError,
    find_config_file,
    load_pool_config,
    parse_pool_config,
)

from .support.waiting import wait_for
from .support.workers import ROOT

POOL_YML = """\
foo: 1
"bar,baz": 2
"high,*": 1
production:
  foo: 3
  "nightly": 1
development:
  foo: 0
"""


@pytest.mark.parametrize("environment, expected", [
    (None, {"foo": 1, "bar,baz": 2, "high,*": 1}),
    ("production", {"foo": 3, "bar,baz": 2, "high,*": 1, "nightly": 1}),
    ("development", {"foo": 0, "bar,baz": 2, "high,*": 1}),
    ("staging", {"foo": 1, "bar,baz": 2, "high,*": 1}),
])
def test_the_environment_section_is_merged_over_the_root(environment: str | None, expected: dict) -> None:
    assert parse_pool_config(POOL_YML, environment) == expected


def test_lookup_order_is_resque_pools(tmp_path: Path) -> None:
    assert find_config_file(None, {}, tmp_path) is None
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "resque-pool.yml").write_text("a: 1\n")
    assert find_config_file(None, {}, tmp_path) == tmp_path / "config" / "resque-pool.yml"
    (tmp_path / "resque-pool.yml").write_text("b: 1\n")
    assert find_config_file(None, {}, tmp_path) == tmp_path / "resque-pool.yml"
    assert find_config_file(None, {"RESQUE_POOL_CONFIG": "other.yml"}, tmp_path) == tmp_path / "other.yml"
    assert find_config_file("given.yml", {"RESQUE_POOL_CONFIG": "other.yml"}, tmp_path) == tmp_path / "given.yml"
    assert load_pool_config(None, {"RAILS_ENV": "x"}, tmp_path) == (tmp_path / "resque-pool.yml", {"b": 1})


def test_environment_variables_in_resque_pools_order() -> None:
    from resque_interop.runtime.pool_config import pool_environment

    assert pool_environment({"RAILS_ENV": "b", "RESQUE_ENV": "c"}) == "b"
    assert pool_environment({"RACK_ENV": "a", "RAILS_ENV": "b"}) == "a"
    assert pool_environment({"RESQUE_ENV": "c"}) == "c"
    assert pool_environment({}) is None


@pytest.mark.parametrize("text, message", [
    ("foo: <%= ENV['N'] %>\n", "ERB tags"),
    ("foo: many\n", "whole number"),
    ("foo: -1\n", "whole number"),
    ("foo: true\n", "whole number"),
    ("- foo\n", "expected a mapping"),
    ("foo: [\n", "not valid YAML"),
    ("',': 1\n", "not a queue list"),
])
def test_unusable_files_are_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(PoolConfigError, match=message):
        parse_pool_config(text, None)


@pytest.mark.skipif(shutil.which("ruby") is None, reason="no ruby on PATH")
@pytest.mark.parametrize("environment", ["", "production", "development", "staging"])
def test_ruby_reads_the_same_file_the_same_way(tmp_path: Path, environment: str) -> None:
    text = POOL_YML + "12: 1\n'on': 2\n\"a b\": 1\n"
    path = tmp_path / "resque-pool.yml"
    path.write_text(text)
    done = subprocess.run(["ruby", str(ROOT / "tests" / "ruby" / "pool_config.rb"), str(path), environment],
                          capture_output=True, text=True, timeout=60, check=True)
    assert parse_pool_config(text, environment or None) == json.loads(done.stdout)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""


class Pool:
    """``resque-interop pool`` in a subprocess, in a directory holding config/resque-pool.yml."""

    def __init__(self, redis_url: str, cwd: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.redis = redis.Redis.from_url(redis_url)
        self.log = cwd / "pool.log"
        full_env = {**os.environ, "REDIS_URL": redis_url, "RESQUE_TEST_REDIS_URL": redis_url,
                    "PYTHONPATH": str(ROOT), "INTERVAL": "0.1", **(env or {})}
        full_env.pop("QUEUE", None)
        full_env.pop("QUEUES", None)
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "resque_interop", "pool", "-A", "tests.jobs", *args],
                                         cwd=cwd, env=full_env, stdout=out, stderr=subprocess.STDOUT)

    def workers(self) -> dict[str, list[int]]:
        """Registered workers of this pool by queue list (pid order)."""
        found: dict[str, list[int]] = {}
        for member in sorted(self.redis.smembers("resque:workers")):
            _host, pid, queues = member.decode().split(":", 2)
            found.setdefault(queues, []).append(int(pid))
        return found

    def counts(self) -> dict[str, int]:
        return {q: len(p) for q, p in self.workers().items()}

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGQUIT) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(30)


@pytest.fixture
def pool_dir(tmp_path: Path) -> Path:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "resque-pool.yml").write_text(
        '"high,low": 2\nfile_serve: 1\nproduction:\n  file_serve: 2\n')
    return tmp_path


def test_a_pool_keeps_its_counts_replaces_dead_workers_and_quits(redis_url: str, raw_redis: redis.Redis,
                                                                 pool_dir: Path) -> None:
    pool = Pool(redis_url, pool_dir)
    try:
        wait_for(lambda: pool.counts() == {"high,low": 2, "file_serve": 1}, 30, "three workers")
        title = wait_for(lambda: "managing" in _cmdline(pool.proc.pid) and _cmdline(pool.proc.pid), 10, "title")
        assert title.startswith(f"resque-interop-pool-master[{pool_dir.name}]: managing [")
        victim = pool.workers()["file_serve"][0]
        os.kill(victim, signal.SIGKILL)
        # the killed worker stays registered until pruned; a new one joins it
        wait_for(lambda: set(pool.workers().get("file_serve", [])) - {victim}, 30, "a replacement worker")
        # jobs run in pool workers
        raw_redis.rpush("resque:queue:file_serve", b'{"class":"Archive","args":[44,"masterbrew"]}')
        wait_for(lambda: raw_redis.llen("contract:results") == 1, 30, "the job to run")
    finally:
        code = pool.stop(signal.SIGQUIT)
    assert code == 0, pool.output()
    # QUIT waits for its workers: the killed one stays registered (for pruning), the rest are gone
    assert set(pool.workers()) <= {"file_serve"}, pool.output()
    out = pool.output()
    assert "QUIT: graceful shutdown, waiting for children" in out and "manager finished" in out
    assert f"Reaped resque worker[{victim}]" in out


def test_hup_reloads_the_file_and_the_environment_picks_its_section(redis_url: str, pool_dir: Path) -> None:
    pool = Pool(redis_url, pool_dir, "-E", "production")
    try:
        wait_for(lambda: pool.counts() == {"high,low": 2, "file_serve": 2}, 30, "production's counts")
        before = set(pool.workers()["high,low"])
        (pool_dir / "config" / "resque-pool.yml").write_text('"high,low": 1\nmedia: 1\n')
        pool.proc.send_signal(signal.SIGHUP)
        # the old workers unregister as they finish (QUIT), the new ones register as they start
        wait_for(lambda: pool.counts() == {"high,low": 1, "media": 1}
                 and not before & set(pool.workers()["high,low"]), 30, "the reloaded counts, new workers")
        (pool_dir / "config" / "resque-pool.yml").write_text('media: <%= 2 %>\n')
        pool.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "keeping the configuration in force" in pool.output(), 15, "the refusal")
        wait_for(lambda: pool.counts() == {"high,low": 1, "media": 1}, 30, "the counts kept")
    finally:
        assert pool.stop(signal.SIGQUIT) == 0, pool.output()
    assert pool.workers() == {}


def test_usr2_and_cont_reach_every_worker(redis_url: str, pool_dir: Path) -> None:
    pool = Pool(redis_url, pool_dir)
    try:
        wait_for(lambda: sum(pool.counts().values()) == 3, 30, "three workers")
        pids = [p for ps in pool.workers().values() for p in ps]
        pool.proc.send_signal(signal.SIGUSR2)
        wait_for(lambda: all("Paused" in _cmdline(p) for p in pids), 15, "every worker paused")
        pool.proc.send_signal(signal.SIGCONT)
        wait_for(lambda: not any("Paused" in _cmdline(p) for p in pids), 15, "every worker resumed")
        assert "USR2: sending to all workers" in pool.output()
    finally:
        assert pool.stop(signal.SIGQUIT) == 0, pool.output()


@pytest.mark.parametrize("sig, args, line", [
    (signal.SIGTERM, (), "TERM: immediate shutdown (and immediate worker shutdown)"),
    (signal.SIGINT, (), "INT: immediate shutdown (graceful worker shutdown)"),
    (signal.SIGTERM, ("--term-graceful-wait",), "TERM: graceful shutdown, waiting for children"),
])
def test_stop_signals_as_resque_pool(redis_url: str, pool_dir: Path, sig: int, args: tuple[str, ...],
                                     line: str) -> None:
    pool = Pool(redis_url, pool_dir, *args)
    wait_for(lambda: sum(pool.counts().values()) == 3, 30, "three workers")
    assert pool.stop(sig) == 0, pool.output()
    assert line in pool.output()
    wait_for(lambda: pool.workers() == {}, 30, "every worker gone")


def test_winch_stops_all_workers_only_when_daemonized(redis_url: str, pool_dir: Path) -> None:
    pool = Pool(redis_url, pool_dir)
    try:
        wait_for(lambda: sum(pool.counts().values()) == 3, 30, "three workers")
        pool.proc.send_signal(signal.SIGWINCH)
        wait_for(lambda: "WINCH: ignored" in pool.output(), 15, "WINCH ignored")
        assert sum(pool.counts().values()) == 3
    finally:
        assert pool.stop(signal.SIGQUIT) == 0, pool.output()


def test_an_erb_file_is_refused_in_one_line(redis_url: str, pool_dir: Path) -> None:
    (pool_dir / "config" / "resque-pool.yml").write_text("foo: <%= ENV['COUNT'] %>\n")
    done = subprocess.run([sys.executable, "-m", "resque_interop", "pool", "-A", "tests.jobs"], cwd=pool_dir,
                          env={**os.environ, "REDIS_URL": redis_url, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "ERB tags" in done.stderr and "Traceback" not in done.stderr


def test_queues_on_the_command_line_are_refused(redis_url: str, pool_dir: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "resque_interop", "pool", "-A", "tests.jobs", "-q", "high"],
                          cwd=pool_dir, env={**os.environ, "REDIS_URL": redis_url, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "pool takes its queues from the config file" in done.stderr
