"""Destructive commands ask on a terminal (a real pty), refuse without one, and take --yes."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time

import pytest
import redis

from .support.workers import ROOT


def on_terminal(redis_url: str, answer: bytes, *argv: str) -> tuple[int, str]:
    """Run ``resque-interop argv`` with a pseudo-terminal as stdin/stdout; type ``answer``
    once the question shows."""
    master, slave = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "resque_interop", *argv], stdin=slave, stdout=slave,
                            stderr=slave, cwd=ROOT, env={**os.environ, "REDIS_URL": redis_url})
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 30
    try:
        while b"[y/N]" not in seen and time.monotonic() < deadline:
            if select.select([master], [], [], 0.1)[0]:
                seen += os.read(master, 4096)
        assert b"[y/N]" in seen, seen
        os.write(master, answer)
        code = proc.wait(30)
        while select.select([master], [], [], 0.1)[0]:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    return code, seen.decode(errors="replace")


def filled(raw: redis.Redis) -> None:
    raw.sadd("resque:queues", "media")
    raw.rpush("resque:queue:media", *[b'{"class":"Transcode","args":[%d]}' % i for i in range(3)])
    raw.rpush("resque:failed", b'{"failed_at":"2026/12/05 10:00:00 UTC","payload":{"class":"A","args":[]},'
              b'"exception":"E","error":"e","backtrace":[],"worker":"w","queue":"media"}')


@pytest.mark.parametrize("argv, key", [
    (("clear", "media"), "resque:queue:media"),
    (("failed", "clear"), "resque:failed"),
    (("failed", "remove", "0"), "resque:failed"),
])
def test_no_on_a_terminal_keeps_everything(redis_url: str, raw_redis: redis.Redis, argv: tuple[str, ...],
                                           key: str) -> None:
    filled(raw_redis)
    code, out = on_terminal(redis_url, b"n\n", *argv)
    assert code == 1 and "nothing done" in out
    assert raw_redis.exists(key)


def test_yes_on_a_terminal_clears_and_the_question_says_how_many(redis_url: str, raw_redis: redis.Redis) -> None:
    filled(raw_redis)
    code, out = on_terminal(redis_url, b"y\n", "clear", "media")
    assert code == 0, out
    assert "Delete the 3 jobs waiting on media?" in out and "cleared 3 jobs from media" in out
    assert not raw_redis.exists("resque:queue:media")


@pytest.mark.parametrize("argv", [("clear", "media"), ("failed", "clear"), ("failed", "remove", "0"),
                                  ("schedule", "remove", "hourly")])
def test_without_a_terminal_it_refuses_unless_yes(redis_url: str, raw_redis: redis.Redis,
                                                  argv: tuple[str, ...]) -> None:
    filled(raw_redis)
    raw_redis.hset("resque:persistent_schedules", "hourly", b'{"cron":"0 * * * *","class":"A"}')
    before = {k: raw_redis.dump(k) for k in raw_redis.keys("*")}
    env = {**os.environ, "REDIS_URL": redis_url}
    run = [sys.executable, "-m", "resque_interop", *argv]
    refused = subprocess.run(run, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, cwd=ROOT,
                             timeout=60)
    assert refused.returncode == 1 and "add --yes" in refused.stderr
    assert {k: raw_redis.dump(k) for k in raw_redis.keys("*")} == before
    done = subprocess.run([*run, "--yes"], stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert {k: raw_redis.dump(k) for k in raw_redis.keys("*")} != before
