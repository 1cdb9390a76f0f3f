"""compose.yaml: validated wherever a compose tool exists; run when a Docker engine answers (under podman:
scripts/test-containers, with RESQUE_COMPOSE_OVERRIDE=compose.local.yaml for the local images)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def compose_command() -> list[str] | None:
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def engine_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.mark.skipif(compose_command() is None, reason="neither `docker compose` nor docker-compose is installed")
def test_compose_file_validates() -> None:
    cmd = compose_command() or []
    done = subprocess.run([*cmd, "-f", str(ROOT / "compose.yaml"), "config", "--services"], capture_output=True,
                          text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert set(done.stdout.split()) == {"redis", "ruby-worker", "resque-web", "python", "python-scheduler", "python-web"}


PROJECT = "resque-interop-compose-test"


def compose_files() -> list[str]:
    """compose.yaml, with RESQUE_COMPOSE_OVERRIDE (say compose.local.yaml: local images) on top."""
    override = os.environ.get("RESQUE_COMPOSE_OVERRIDE")
    files = ["compose.yaml", *([override] if override else [])]
    return [arg for name in files for arg in ("-f", str(ROOT / name))]


def pump_healthchecks(stop: threading.Event) -> None:
    """podman without systemd never runs healthchecks by itself: run them until ``stop``."""
    while not stop.wait(1):
        names = subprocess.run(["podman", "ps", "--filter", f"label=com.docker.compose.project={PROJECT}",
                                "--format", "{{.Names}}"], capture_output=True, text=True).stdout.split()
        for name in names:
            subprocess.run(["podman", "healthcheck", "run", name], capture_output=True)


def linked_workers(html: str) -> set[str]:
    """The worker ids (host:pid:queues) a dashboard page links to (not its host tabs or poll link)."""
    links = {urllib.parse.unquote(m) for m in re.findall(r'href=["\'][^"\']*/workers/([^"\'?]+)["\']', html)}
    return {link for link in links if link.count(":") >= 2}


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return str(response.read().decode())


@pytest.mark.skipif(not engine_answers(), reason="no Docker engine answers (docker info failed)")
def test_stack_shows_both_workers_on_both_dashboards() -> None:
    cmd = compose_command()
    assert cmd, "a Docker engine but no compose tool"
    compose = [*cmd, "-p", PROJECT, *compose_files()]
    # with an override the images are prebuilt (scripts/containers); else built from Docker Hub's
    build = [] if os.environ.get("RESQUE_COMPOSE_OVERRIDE") else ["--build"]
    stop = threading.Event()
    if "podman" in os.environ.get("DOCKER_HOST", "") and shutil.which("podman"):
        threading.Thread(target=pump_healthchecks, args=(stop,), daemon=True).start()
    try:
        subprocess.run([*compose, "up", "-d", *build], cwd=ROOT, check=True, timeout=900)
        deadline = time.time() + 180
        ids: set[str] = set()
        while time.time() < deadline:
            try:
                ids = {str(w["id"]) for w in json.loads(get("http://127.0.0.1:5679/api/workers"))}
                if any(":high,low,file_serve" in i for i in ids) and len(ids) >= 2:
                    break
            except OSError:
                pass
            time.sleep(2)  # the poll interval of this wait for the stack
        # Ruby's worker and ours, each in its own container (the host part of a worker id)
        hosts = {service: subprocess.run([*compose, "exec", "-T", service, "cat", "/etc/hostname"], cwd=ROOT,
                                         capture_output=True, text=True, check=True).stdout.strip()
                 for service in ("ruby-worker", "python")}
        assert {i.split(":")[0] for i in ids} == set(hosts.values()) and len(ids) == 2, (ids, hosts)
        # Ruby's resque-web (all hosts: each worker is on its own container's host) and ours
        assert linked_workers(get("http://127.0.0.1:5678/workers/all")) == ids
        assert linked_workers(get("http://127.0.0.1:5679/workers")) == ids
    finally:
        stop.set()
        subprocess.run([*compose, "down", "-v"], cwd=ROOT, timeout=300)
