"""Finding and driving a live Ruby Resque: RESQUE_SRC (RESQUE_SCHEDULER_SRC, RESQUE_RETRY_SRC) when set,
else the unmodified sources in ../shared/peers beside the checkout, else an installed gem."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

PEER = Path(__file__).parent / "ruby" / "peer.rb"
# The peers' sources at the tags we check against (resque 3.0.0, resque-scheduler 5.0.0,
# resque-retry 1.8.1), laid beside the checkout; CI has the same folder.
SHARED_PEERS = Path(__file__).resolve().parents[2] / "shared" / "peers"
PEER_FOLDERS = {
    "RESQUE_SRC": "resque-3.0.0",
    "RESQUE_SCHEDULER_SRC": "resque-scheduler-5.0.0",
    "RESQUE_RETRY_SRC": "resque-retry-1.8.1",
}


def peer_src(variable: str) -> Path | None:
    """Where a peer's source is: the environment variable, else ../shared/peers, else None (a gem)."""
    if os.environ.get(variable):
        return Path(os.environ[variable])
    folder = SHARED_PEERS / PEER_FOLDERS[variable]
    return folder if (folder / "lib").is_dir() else None


@functools.cache
def ruby_args() -> list[str] | None:
    """The ruby command line that loads Resque, or None."""
    if shutil.which("ruby") is None:
        return None
    src = peer_src("RESQUE_SRC")
    args = ["ruby", "-I", str(src / "lib")] if src else ["ruby"]
    ok = subprocess.run([*args, "-e", 'require "resque"'], capture_output=True, timeout=60)
    return args if ok.returncode == 0 else None


def skip_reason() -> str:
    if shutil.which("ruby") is None:
        return "no ruby on PATH"
    if os.environ.get("RESQUE_SRC"):
        return f"RESQUE_SRC={os.environ['RESQUE_SRC']} does not load (require 'resque' failed)"
    if peer_src("RESQUE_SRC"):
        return f"{peer_src('RESQUE_SRC')} does not load: install Debian's ruby-redis, ruby-redis-namespace, " \
            "ruby-mono-logger, ruby-multi-json, ruby-sinatra (./scripts/test does)"
    return "Ruby Resque not found: set RESQUE_SRC to a checkout of resque/resque v3.0.0 (or lay out ../shared/peers)"


needs_ruby = pytest.mark.skipif(ruby_args() is None, reason=skip_reason())


@functools.cache
def has_activejob() -> bool:
    args = ruby_args()
    if args is None:
        return False
    return subprocess.run([*args, "-e", 'require "active_job"'], capture_output=True, timeout=60).returncode == 0


def ruby_env(redis_url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "REDIS_URL": redis_url, "RESQUE_NAMESPACE": "resque", **extra}


def ruby(redis_url: str, *args: str, input: str | None = None, timeout: float = 60, parse: bool = True,
         **env: str) -> Any:
    """Run a peer.rb command and return its last line of JSON output (or the raw text);
    with ``WITH_SCHEDULER="1"`` resque-scheduler is loaded too."""
    base = scheduler_args() if env.get("WITH_SCHEDULER") else ruby_args()
    assert base is not None
    done = subprocess.run([*base, str(PEER), *args], capture_output=True, text=True, input=input,
                          timeout=timeout, env=ruby_env(redis_url, **env))
    assert done.returncode == 0, done.stderr
    text = done.stdout.rstrip("\n")
    if not parse:
        return text
    try:
        return json.loads(text.split("\n")[-1]) if text else None
    except ValueError:
        return text


def ruby_worker(redis_url: str, queues: str, interval: str = "0.05", **env: str) -> subprocess.Popen[str]:
    base = ruby_args()
    assert base is not None
    return subprocess.Popen([*base, str(PEER), "work", queues, interval], text=True,
                            env=ruby_env(redis_url, **env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


SCHEDULER_PEER = Path(__file__).parent / "ruby" / "scheduler_peer.rb"


@functools.cache
def scheduler_args() -> list[str] | None:
    """The ruby command line that loads Resque and resque-scheduler, or None."""
    base = ruby_args()
    if base is None:
        return None
    src = peer_src("RESQUE_SCHEDULER_SRC")
    args = [*base, "-I", str(src / "lib")] if src else base
    ok = subprocess.run([*args, "-e", 'require "resque-scheduler"'], capture_output=True, timeout=60)
    return args if ok.returncode == 0 else None


def scheduler_skip_reason() -> str:
    if ruby_args() is None:
        return skip_reason()
    if peer_src("RESQUE_SCHEDULER_SRC"):
        return f"{peer_src('RESQUE_SCHEDULER_SRC')} does not load (needs Debian's ruby-rufus-scheduler)"
    return "resque-scheduler not found: set RESQUE_SCHEDULER_SRC to a checkout of resque/resque-scheduler v5.0.0"


needs_scheduler = pytest.mark.skipif(scheduler_args() is None, reason=scheduler_skip_reason())


def scheduler(redis_url: str, *args: str, **env: str) -> Any:
    """Run a scheduler_peer.rb command; its JSON result (``env``: JSON_ADAPTER, ACTIVESUPPORT, OJ_RAILS)."""
    base = scheduler_args()
    assert base is not None
    done = subprocess.run([*base, str(SCHEDULER_PEER), *args], capture_output=True, text=True, timeout=60,
                          env=ruby_env(redis_url, **env))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().split("\n")[-1])
