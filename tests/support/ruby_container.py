"""The container back end of the Ruby peers: one container from docker/ruby's image, started
through testcontainers, in which every Ruby command runs with ``docker exec`` (or ``podman exec``).

The container shares the host's network (Redis at 127.0.0.1 is its Redis too), pid namespace
and hostname, so a Ruby worker's id (host:pid:queues), its liveness as Resque's pruning sees it,
and the signals a test sends mean what they mean for a Ruby on this machine. tests/ruby and the
temporary folder are mounted at their own paths, so scripts and schedule files are passed as is.
That needs an engine on this machine (Linux); scripts/containers sets one up with podman.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RUBY_DIR = ROOT / "tests" / "ruby"
# the image scripts/containers builds from ../shared/peers; else docker/ruby's default (gems) target
IMAGE = os.environ.get("RESQUE_RUBY_IMAGE", "")
GEMS_TAG = "resque-interop-ruby:gems"
# the variables a peer script reads: passed by name, so each command's own environment decides
PASSED_ENV = ("REDIS_URL", "RESQUE_NAMESPACE", "FAILURE_BACKEND", "JSON_ADAPTER", "ACTIVESUPPORT", "OJ_RAILS",
              "TZ", "HEARTBEAT_INTERVAL", "PRUNE_INTERVAL", "WITH_SCHEDULER", "WITH_ACTIVEJOB", "WEB_HOST",
              "LOCK_TIMEOUT", "RESQUE_SCHEDULER_INTERVAL", "DYNAMIC_SCHEDULE", "RAILS_ENV", "RESQUE_PEER_TOKEN")

# The container shares the host's pid namespace, so the launcher's $$, which exec keeps, is the
# pid a test signals; it is written only for the processes a test may signal (PeerProcess).
PID_DIR = "/run/resque-interop-pids"
LAUNCHER = f'[ -z "$RESQUE_PEER_TOKEN" ] || echo $$ > {PID_DIR}/"$RESQUE_PEER_TOKEN"; exec "$@"'


class RubyContainer:
    """A running container with the Ruby peers; ``prefix`` runs ruby in it."""

    def __init__(self) -> None:
        from testcontainers.core.container import DockerContainer

        self.image = IMAGE or self._build_gems_image()
        temp = tempfile.gettempdir()
        self.pid_dir = tempfile.mkdtemp(prefix="resque-interop-pids-")
        self.container = (
            DockerContainer(self.image, network_mode="host", pid_mode="host", uts_mode="host")
            .with_command("sleep infinity")
            .with_volume_mapping(str(RUBY_DIR), str(RUBY_DIR), "ro")
            .with_volume_mapping(temp, temp, "ro")
            .with_volume_mapping(self.pid_dir, PID_DIR, "rw")
        )
        self.container.start()
        wrapped = self.container.get_wrapped_container()
        self.id: str = wrapped.id
        self.cli = exec_cli()
        self.prefix = [self.cli, "exec", "-i", *[f"--env={name}" for name in PASSED_ENV], self.id,
                       "sh", "-c", LAUNCHER, "sh", "ruby"]

    @staticmethod
    def _build_gems_image() -> str:
        """docker/ruby's default target: the peers and their gems from RubyGems (needs the network)."""
        from testcontainers.core.image import DockerImage

        image = DockerImage(path=str(ROOT), tag=GEMS_TAG, dockerfile_path="docker/ruby/Dockerfile", clean_up=False)
        image.build()
        return GEMS_TAG

    def stop(self) -> None:
        self.container.stop()
        shutil.rmtree(self.pid_dir, ignore_errors=True)


def exec_cli() -> str:
    """The command that runs a process in the container: podman's client when the Docker API is
    podman's (its ``--env=NAME`` takes NAME from the caller's environment), else docker's."""
    if "podman" in os.environ.get("DOCKER_HOST", "") and shutil.which("podman"):
        return "podman"
    for cli in ("docker", "podman"):
        if shutil.which(cli):
            return cli
    raise RuntimeError("neither docker nor podman is on PATH to exec into the Ruby container")


def with_values(argv: list[str], env: dict[str, str]) -> list[str]:
    """``--env=NAME`` flags given their values from ``env`` (dropped when unset): docker's client
    sends a bare name as is, which an engine may refuse."""
    resolved = []
    for arg in argv:
        if arg.startswith("--env=") and "=" not in arg[len("--env="):]:
            name = arg[len("--env="):]
            if name in env:
                resolved.append(f"--env={name}={env[name]}")
            continue
        resolved.append(arg)
    return resolved


def engine_answers() -> str | None:
    """None when a Docker API answers (DOCKER_HOST or the default socket), else why not."""
    try:
        import docker
    except ImportError:
        return "testcontainers is not installed (pip install -e '.[test]')"
    try:
        client: Any = docker.from_env()
        client.ping()
        client.close()
    except Exception as exc:  # noqa: BLE001 - any failure to reach the engine is the reason
        return f"no Docker engine answers ({type(exc).__name__}); scripts/containers sets up podman"
    return None


def inner_pid(pid_dir: str, token: str) -> int | None:
    """The pid of the Ruby process an exec started with ``RESQUE_PEER_TOKEN=token``, which the
    launcher wrote before exec'ing ruby (Ruby's ``$0 =`` overwrites /proc/<pid>/environ, so the
    process cannot be found by its environment)."""
    try:
        text = (Path(pid_dir) / token).read_text()
    except OSError:
        return None
    return int(text) if text.strip() else None
