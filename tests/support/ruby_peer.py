"""Finding and driving a live Ruby Resque, with two back ends chosen by what exists:

* local: ruby on this machine, with the peers from RESQUE_SRC (RESQUE_SCHEDULER_SRC,
  RESQUE_RETRY_SRC) when set, else the unmodified sources in ../shared/peers beside the
  checkout, else installed gems;
* container: docker/ruby's image started through testcontainers (tests/support/ruby_container.py).

RESQUE_RUBY (or pytest's ``--ruby``) picks one: ``local``, ``container`` or ``auto`` (the
default: local when its Ruby loads Resque, else a container when an engine answers).
Both give the same calls: ``ruby()``, ``ruby_run()``, ``ruby_popen()``, ``ruby_worker()``,
``scheduler()``; ``needs_ruby``, ``needs_scheduler``, ``needs_retry`` skip with the reason.
``ruby_args()``/``scheduler_args()``/``retry_args()`` are argv prefixes; in the container they
pass the peer's variables by name (``--env=REDIS_URL``), so prefer the calls above, which
work with either engine's client.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import IO, Any

import pytest

RUBY_DIR = Path(__file__).parent.parent / "ruby"
PEER = RUBY_DIR / "peer.rb"
SCHEDULER_PEER = RUBY_DIR / "scheduler_peer.rb"
# The peers' sources at the tags we check against (resque 3.0.0, resque-scheduler 5.0.0,
# resque-retry 1.8.1), laid beside the checkout; CI has the same folder.
SHARED_PEERS = Path(__file__).resolve().parents[3] / "shared" / "peers"
PEER_FOLDERS = {
    "RESQUE_SRC": "resque-3.0.0",
    "RESQUE_SCHEDULER_SRC": "resque-scheduler-5.0.0",
    "RESQUE_RETRY_SRC": "resque-retry-1.8.1",
}
BACKENDS = ("auto", "local", "container")


def peer_src(variable: str) -> Path | None:
    """Where a peer's source is: the environment variable, else ../shared/peers, else None (a gem)."""
    if os.environ.get(variable):
        return Path(os.environ[variable])
    folder = SHARED_PEERS / PEER_FOLDERS[variable]
    return folder if (folder / "lib").is_dir() else None


def backend_choice() -> str:
    choice = os.environ.get("RESQUE_RUBY") or "auto"
    if choice not in BACKENDS:
        raise ValueError(f"RESQUE_RUBY={choice!r}: expected one of {', '.join(BACKENDS)}")
    return choice


def _loads(args: list[str], feature: str) -> bool:
    return subprocess.run([*args, "-e", f'require "{feature}"'], capture_output=True, timeout=120).returncode == 0


@functools.cache
def local_args() -> list[str] | None:
    """ruby on this machine with Resque on its load path, or None."""
    if shutil.which("ruby") is None:
        return None
    src = peer_src("RESQUE_SRC")
    args = ["ruby", "-I", str(src / "lib")] if src else ["ruby"]
    return args if _loads(args, "resque") else None


@functools.cache
def container() -> Any:
    """The running Ruby container (tests/support/ruby_container.py), started on first use."""
    from .ruby_container import RubyContainer

    started = RubyContainer()
    atexit.register(stop_container)  # outside pytest too; at most once, stop_container forgets it
    return started


def stop_container() -> None:
    """Stops the Ruby container if this session started one (conftest calls it at the end)."""
    if container.cache_info().currsize:
        container().stop()
        container.cache_clear()


@functools.cache
def backend() -> str | None:
    """``local`` or ``container``: the back end this session uses, or None (then skip_reason says why)."""
    choice = backend_choice()
    if choice != "container" and local_args() is not None:
        return "local"
    if choice == "local":
        return None
    from .ruby_container import engine_answers

    if choice == "auto" and (engine_answers() or not os.environ.get("RESQUE_RUBY_IMAGE")):
        return None  # auto never builds an image from RubyGems unasked: RESQUE_RUBY=container does
    container()  # a container asked for and not started is an error, not a skip
    return "container"


@functools.cache
def ruby_args() -> list[str] | None:
    """The argv prefix that runs ruby with Resque loaded (in the container, or here), or None."""
    chosen = backend()
    if chosen == "container":
        return list(container().prefix)
    return local_args() if chosen == "local" else None


def skip_reason() -> str:
    if backend_choice() == "container":
        return "the Ruby container did not start"
    if shutil.which("ruby") is None:
        reason = "no ruby on PATH"
    elif os.environ.get("RESQUE_SRC"):
        reason = f"RESQUE_SRC={os.environ['RESQUE_SRC']} does not load (require 'resque' failed)"
    elif peer_src("RESQUE_SRC"):
        reason = (f"{peer_src('RESQUE_SRC')} does not load: install Debian's ruby-redis, ruby-redis-namespace, "
                  "ruby-mono-logger, ruby-multi-json, ruby-sinatra (./scripts/test does)")
    else:
        reason = "Ruby Resque not found: set RESQUE_SRC to a checkout of resque/resque v3.0.0 (or lay out ../shared/peers)"
    return reason + "; or run with --ruby=container (scripts/containers)"


needs_ruby = pytest.mark.skipif(ruby_args() is None, reason=skip_reason())
# for the few tests that reach into the Ruby process from this machine (Ruby starts this
# checkout's Python, or libfaketime is preloaded into it): the container has neither
needs_local_ruby = pytest.mark.skipif(backend() != "local", reason="needs Ruby on this machine, not in a "
                                      "container (Ruby runs this checkout's Python, or libfaketime is preloaded)")


def _with_peer(variable: str, feature: str) -> list[str] | None:
    base = ruby_args()
    if base is None:
        return None
    src = peer_src(variable) if backend() == "local" else None  # the image has them on RUBYLIB
    args = [*base, "-I", str(src / "lib")] if src else base
    return args if _loads(args, feature) else None


@functools.cache
def has_activejob() -> bool:
    args = ruby_args()
    return args is not None and _loads(args, "active_job")


@functools.cache
def scheduler_args() -> list[str] | None:
    """The argv prefix that runs ruby with Resque and resque-scheduler loaded, or None."""
    return _with_peer("RESQUE_SCHEDULER_SRC", "resque-scheduler")


@functools.cache
def retry_args() -> list[str] | None:
    """The argv prefix that runs ruby with Resque, resque-scheduler and resque-retry (which
    requires resque-scheduler) loaded, or None."""
    base = scheduler_args()
    if base is None:
        return None
    src = peer_src("RESQUE_RETRY_SRC") if backend() == "local" else None
    args = [*base, "-I", str(src / "lib")] if src else base
    return args if _loads(args, "resque-retry") else None


def _peer_reason(variable: str, name: str, tag: str, needs: str) -> str:
    if ruby_args() is None:
        return skip_reason()
    if peer_src(variable):
        return f"{peer_src(variable)} does not load ({needs})"
    return f"{name} not found: set {variable} to a checkout of {tag}"


needs_scheduler = pytest.mark.skipif(scheduler_args() is None, reason=_peer_reason(
    "RESQUE_SCHEDULER_SRC", "resque-scheduler", "resque/resque-scheduler v5.0.0",
    "needs Debian's ruby-rufus-scheduler"))
needs_retry = pytest.mark.skipif(retry_args() is None, reason=_peer_reason(
    "RESQUE_RETRY_SRC", "resque-retry", "lantins/resque-retry v1.8.1", "needs resque-scheduler too"))


def missing_peers() -> list[str]:
    """What the chosen back end cannot load, each with why (Ruby-live tests that would skip)."""
    if ruby_args() is None:
        return [skip_reason()]
    missing = [] if has_activejob() else ["activejob does not load (Debian's ruby-activejob)"]
    if scheduler_args() is None:
        missing.append(needs_scheduler.kwargs["reason"])
    elif retry_args() is None:
        missing.append(needs_retry.kwargs["reason"])
    return missing


def describe() -> str:
    """Which Ruby and which peers' versions this session runs, and where from."""
    args = retry_args() or scheduler_args() or ruby_args()
    if args is None:
        return f"skipped: {skip_reason()}"
    probe = ('v = ["ruby #{RUBY_VERSION}", "resque #{Resque::VERSION}"]; '
             'v << "resque-scheduler #{Resque::Scheduler::VERSION}" if defined?(Resque::Scheduler::VERSION); '
             'v << "resque-retry #{ResqueRetry::VERSION}" if defined?(ResqueRetry::VERSION); puts v.join(", ")')
    requires = ["-r", "resque"] + (["-r", "resque-scheduler"] if scheduler_args() else []) + \
        (["-r", "resque-retry"] if retry_args() else [])
    versions = subprocess.run([*args, *requires, "-e", probe], capture_output=True, text=True,
                              timeout=120).stdout.strip()
    if backend() == "container":
        return f"{versions} (container {container().image})"
    src = peer_src("RESQUE_SRC")
    return f"{versions} (local, {f'sources in {src.parent}' if src else 'installed gems'})"


def ruby_env(redis_url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "REDIS_URL": redis_url, "RESQUE_NAMESPACE": "resque", "WEB_HOST": "127.0.0.1", **extra}


STARTED: list[PeerProcess] = []


def reap() -> None:
    """Kill what a test left running: a Ruby worker left behind would take the next test's jobs."""
    while STARTED:
        proc = STARTED.pop()
        if proc.poll() is None:
            proc.kill()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.client.kill()
                proc.client.wait(10)


def _resolved(argv: list[str], env: dict[str, str]) -> list[str]:
    if backend() != "container":
        return argv
    from .ruby_container import with_values

    return with_values(argv, env)


class PeerProcess:
    """A Ruby process started by either back end, with Popen's calls; ``pid`` is the Ruby
    process's own (in the container back end, not the exec client's), and signals go to it."""

    def __init__(self, args: list[str], env: dict[str, str], stdout: int | None) -> None:
        self.token = uuid.uuid4().hex
        env = {**env, "RESQUE_PEER_TOKEN": self.token}
        self.client = subprocess.Popen(_resolved(args, env), text=True, env=env,
                                       stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.STDOUT)
        self._pid = None if backend() == "container" else self.client.pid
        STARTED.append(self)

    @property
    def pid(self) -> int:
        if self._pid is None:
            from .ruby_container import inner_pid
            from .waiting import wait_for

            self._pid = wait_for(lambda: inner_pid(container().pid_dir, self.token), timeout=30,
                                 what="the Ruby process in the container")
        return self._pid

    @property
    def stdout(self) -> IO[str] | None:
        return self.client.stdout

    @property
    def returncode(self) -> int | None:
        return self.client.returncode

    def poll(self) -> int | None:
        return self.client.poll()

    def wait(self, timeout: float | None = None) -> int:
        return self.client.wait(timeout)

    def communicate(self, timeout: float | None = None) -> tuple[str, str]:
        return self.client.communicate(timeout=timeout)

    def send_signal(self, sig: int) -> None:
        if self.client.poll() is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(15)

    def kill(self) -> None:
        self.send_signal(9)


def peer_args(peers: list[str] | None = None) -> list[str]:
    """The argv prefix with Resque loaded, plus "scheduler" (resque-scheduler) or "retry"
    (resque-retry and resque-scheduler) when ``peers`` names them."""
    peers = peers or []
    base = retry_args() if "retry" in peers else scheduler_args() if "scheduler" in peers else ruby_args()
    assert base is not None, f"no Ruby back end loads {peers or 'resque'}"
    return base


def ruby_popen(redis_url: str, script: Path, *args: str, peers: list[str] | None = None,
               stdout: int | None = subprocess.PIPE, **env: str) -> PeerProcess:
    """Start a Ruby script (under tests/ruby) with the peers loaded; its output (stdout and
    stderr) on ``stdout``; ``env`` is added to the script's environment."""
    return PeerProcess([*peer_args(peers), str(script), *args], ruby_env(redis_url, **env), stdout)


def ruby_run(redis_url: str, *args: str, script: Path = PEER, peers: list[str] | None = None,
             input: str | None = None, timeout: float = 60, **env: str) -> subprocess.CompletedProcess[str]:
    """Run a Ruby script (peer.rb unless told) to its end; with ``WITH_SCHEDULER="1"``
    resque-scheduler is loaded too."""
    base = peer_args(["scheduler", *(peers or [])] if env.get("WITH_SCHEDULER") else peers)
    full_env = ruby_env(redis_url, **env)
    return subprocess.run(_resolved([*base, str(script), *args], full_env), capture_output=True, text=True,
                          input=input, timeout=timeout, env=full_env)


def ruby(redis_url: str, *args: str, input: str | None = None, timeout: float = 60, parse: bool = True,
         **env: str) -> Any:
    """Run a peer.rb command and return its last line of JSON output (or the raw text)."""
    done = ruby_run(redis_url, *args, input=input, timeout=timeout, **env)
    assert done.returncode == 0, done.stderr
    text = done.stdout.rstrip("\n")
    if not parse:
        return text
    try:
        return json.loads(text.split("\n")[-1]) if text else None
    except ValueError:
        return text


def ruby_worker(redis_url: str, queues: str, interval: str = "0.05", **env: str) -> PeerProcess:
    """A Ruby Resque worker on ``queues``; its log on ``stdout``."""
    return ruby_popen(redis_url, PEER, "work", queues, interval, **env)


def scheduler(redis_url: str, *args: str, **env: str) -> Any:
    """Run a scheduler_peer.rb command; its JSON result (``env``: JSON_ADAPTER, ACTIVESUPPORT, OJ_RAILS)."""
    done = ruby_run(redis_url, *args, script=SCHEDULER_PEER, peers=["scheduler"], **env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().split("\n")[-1])
