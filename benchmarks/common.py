"""Shared benchmark plumbing: a Redis pinned to vCPU 0, clients pinned to vCPU 1,
peers found where the tests find them, and systems alternated run by run."""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import redis

from resque_interop.dev.redis_server import RedisServer

ROOT = Path(__file__).resolve().parent.parent
NODE_DIR = ROOT / "tests" / "node"
TASKSET = shutil.which("taskset")


def pinned(cpu: int, argv: list[str]) -> list[str]:
    """``argv`` pinned to one vCPU when taskset and a second vCPU exist."""
    if TASKSET and (os.cpu_count() or 1) > 1:
        return [TASKSET, "-c", str(cpu), *argv]
    return argv


class PinnedRedis(RedisServer):
    """A private redis-server on vCPU 0."""

    def start(self, timeout: float = 10.0) -> PinnedRedis:
        super().start(timeout)
        if TASKSET and self.process is not None and (os.cpu_count() or 1) > 1:
            subprocess.run([TASKSET, "-cp", "0", str(self.process.pid)], capture_output=True)
        return self

    def client(self) -> redis.Redis[bytes]:
        return redis.Redis.from_url(self.url)


def have_node() -> bool:
    return shutil.which("node") is not None and (NODE_DIR / "node_modules" / "node-resque").exists()


SHARED_PEERS = ROOT.parent / "shared" / "peers"


def peer_src(variable: str, folder: str) -> Path | None:
    """A peer's source: the environment variable, else ../shared/peers/<folder>, else None (a gem)."""
    if os.environ.get(variable):
        return Path(os.environ[variable])
    return SHARED_PEERS / folder if (SHARED_PEERS / folder / "lib").is_dir() else None


def ruby_cmd() -> list[str] | None:
    src = peer_src("RESQUE_SRC", "resque-3.0.0")
    if shutil.which("ruby") is None:
        return None
    args = ["ruby", "-I", str(src / "lib")] if src else ["ruby"]
    ok = subprocess.run([*args, "-e", 'require "resque"'], capture_output=True)
    return args if ok.returncode == 0 else None


def run_json(argv: list[str], env: dict[str, str], cwd: Path = ROOT) -> dict[str, float]:
    done = subprocess.run(
        pinned(1, argv), capture_output=True, text=True, env={**os.environ, **env}, cwd=cwd
    )
    if done.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed: {done.stderr[-2000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def alternate(rounds: int, systems: dict[str, Callable[[], float]]) -> dict[str, list[float]]:
    """Run each system once per round, rotating the order, and collect the figures."""
    names = list(systems)
    results: dict[str, list[float]] = {n: [] for n in names}
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            results[name].append(systems[name]())
            print(f"  round {r + 1}: {name:<32} {results[name][-1]:>12,.2f}", file=sys.stderr)
    return results


def report(
    title: str, unit: str, results: dict[str, list[float]], notes: list[str], digits: int = 0
) -> None:
    print(
        f"\n## {title} ({date.today().isoformat()}, {platform.machine()}, {os.cpu_count()} vCPU, "
        f"Python {platform.python_version()})\n"
    )
    print(f"| system | median {unit} | runs |")
    print("|---|---:|---|")
    for name, values in results.items():
        runs = ", ".join(f"{v:,.{digits}f}" for v in values)
        print(f"| {name} | {statistics.median(values):,.{digits}f} | {runs} |")
    for note in notes:
        print(f"\n{note}")


def paired_ratios(results: dict[str, list[float]], pairs: list[tuple[str, str]]) -> None:
    """Print ``a / b`` round by round (runs of one round sit close in time, so
    the machine's drift between rounds cancels out) and their median."""
    lines = []
    for a, b in pairs:
        if a in results and b in results:
            ratios = [x / y for x, y in zip(results[a], results[b]) if y]
            if ratios:
                shown = ", ".join(f"{r:.2f}" for r in ratios)
                lines.append(f"| {a} / {b} | {statistics.median(ratios):.2f}x | {shown} |")
    if lines:
        print("\n| ratio, same round | median | rounds |\n|---|---:|---|")
        print("\n".join(lines))
