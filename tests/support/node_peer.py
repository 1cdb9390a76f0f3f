"""node-resque 9.7.1 as a live peer (tests/node/peer.js, installed by scripts/test from npm)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).parent.parent / "node"

#: skips a test when node or node-resque is missing
needs_node = pytest.mark.skipif(
    shutil.which("node") is None or not (NODE_DIR / "node_modules" / "node-resque").exists(),
    reason="node-resque not installed (scripts/test runs npm ci in tests/node)",
)


def node(redis_url: str, *args: str, timeout: float = 60, namespace: str = "resque") -> str:
    """Run ``node peer.js <args>``; its stdout (the test fails if it exits non-zero)."""
    done = subprocess.run(
        ["node", "peer.js", *args], cwd=NODE_DIR, capture_output=True, text=True, timeout=timeout,
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", "REDIS_URL": redis_url, "RESQUE_NAMESPACE": namespace},
    )
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout
