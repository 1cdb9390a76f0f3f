"""The peers the contract is checked against, each able to say why it is absent.

* ``recorded-ruby``: the keyspaces recorded from Ruby Resque 3.0.0 (always);
* ``node-resque``: node-resque 9.7.1 from npm, live (tests/node);
* ``ruby-resque``: Ruby Resque 3.0.0 live, on this machine or in a container (tests/support/ruby_peer.py).

compose.yaml's stack (Ruby's worker and resque-web beside ours) is tests/test_compose.py's.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..support.ruby_peer import describe, has_activejob, ruby, ruby_args, ruby_worker, skip_reason

NODE_DIR = Path(__file__).resolve().parent.parent / "node"


@dataclass
class Peer:
    name: str
    why_absent: str | None
    cannot: dict[str, str] = field(default_factory=dict)  # scenario -> why this peer cannot play it
    version: Callable[[], str] = lambda: ""  # what exactly is played against, for the summary

    def reason(self, scenario: str) -> str | None:
        return self.why_absent or self.cannot.get(scenario)


def _node_reason() -> str | None:
    if shutil.which("node") is None:
        return "no node on PATH"
    if not (NODE_DIR / "node_modules" / "node-resque").exists():
        return "node-resque not installed (scripts/test runs npm ci in tests/node)"
    return None


def _node_version() -> str:
    package = json.loads((NODE_DIR / "node_modules" / "node-resque" / "package.json").read_text())
    node_version = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    return f"node-resque {package['version']} on node {node_version} (tests/node, from npm)"


PEERS = [
    Peer("recorded-ruby", None, version=lambda: "Resque 3.0.0's keyspaces recorded in tests/ruby_fixtures"),
    Peer("node-resque", _node_reason(), {
        "pause": "node-resque has no pause-all-workers",
        "dirty-exit": "node-resque prunes by its own worker:ping keys, not Resque's heartbeats",
        "activejob": "node-resque has no ActiveJob",
    }, version=lambda: _node_version()),
    Peer("ruby-resque", None if ruby_args() else skip_reason(),
         {} if has_activejob() else {"activejob": "ruby activejob not installed (apt-get install ruby-activejob)"},
         version=describe),
]


def node(redis_url: str, *args: str, namespace: str = "resque") -> str:
    done = subprocess.run(["node", "peer.js", *args], cwd=NODE_DIR, capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin:/usr/local/bin", "REDIS_URL": redis_url,
                               "RESQUE_NAMESPACE": namespace})
    assert done.returncode == 0, done.stderr
    return done.stdout


def peer_enqueue(peer: str, redis_url: str, queue: str, cls: str, args: list[object], namespace: str = "resque") -> None:
    """The peer writes a job."""
    if peer == "node-resque":
        node(redis_url, "enqueue", queue, cls, json.dumps(args), namespace=namespace)
    else:
        ruby(redis_url, "enqueue", queue, cls, json.dumps(args), RESQUE_NAMESPACE=namespace)


def peer_work(peer: str, redis_url: str, queue: str, count: int, namespace: str = "resque", **env: str) -> None:
    """The peer's worker drains ``count`` jobs from ``queue``."""
    if peer == "node-resque":
        node(redis_url, "work", queue, str(count), "20000", namespace=namespace)
    else:
        proc = ruby_worker(redis_url, queue, "0", RESQUE_NAMESPACE=namespace, **env)
        assert proc.wait(60) == 0, proc.stdout.read() if proc.stdout else ""


def peer_retry(peer: str, redis_url: str, index: int) -> None:
    if peer == "node-resque":
        node(redis_url, "retry", str(index))
    else:
        ruby(redis_url, "requeue", str(index))
