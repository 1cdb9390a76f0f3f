"""The Host allow-list (a DNS-rebinding page names its own host: 421 before any
handler, for reads, writes, the API and static files), and ``resque-interop web
--schedule`` showing a YAML file's schedules beside the persistent ones."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import redis
from flask.testing import FlaskClient

from resque_interop import Resque
from resque_interop.dev.redis_server import free_port
from resque_interop.failure import FailureInfo
from resque_interop.web.app import create_app
from resque_interop.web.hosts import allowed_hosts, host_allowed, host_name

from .support.waiting import wait_for
from .support.workers import ROOT

EVIL = "evil.example:5678"


@pytest.fixture
def web(r: Resque) -> FlaskClient:
    return create_app(r).test_client()


def token(client: FlaskClient, host: str = "localhost") -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"',
                      client.get("/queues", headers={"Host": host}).get_data(as_text=True))
    assert found
    return found.group(1)


@pytest.mark.parametrize("path", ["/", "/queues", "/failed", "/api/info", "/api/failed", "/static/app.css",
                                  "/static/app.js", "/metrics", "/no-such-page"])
def test_a_read_under_a_foreign_host_is_refused_before_any_handler(r: Resque, web: FlaskClient, path: str) -> None:
    r.enqueue_ruby("Archive", "secret-arg", queue="q")
    response = web.get(path, headers={"Host": EVIL})
    assert response.status_code == 421
    body = response.get_data(as_text=True)
    assert "secret-arg" not in body and "--allow-host" in body
    assert "Set-Cookie" not in response.headers  # no CSRF cookie handed out for that host
    assert response.headers["Cache-Control"] == "no-store"


def test_a_write_under_a_foreign_host_changes_nothing(r: Resque, web: FlaskClient) -> None:
    r.enqueue_ruby("Archive", 1, queue="q")
    r.save_failure(FailureInfo({"class": "Archive", "args": [1]}, "RuntimeError", "boom", [], "h:1:q", "q"))
    good = token(web)
    # the report's attack: Host and Origin both the rebinding site, with a real token
    for path in ("/queues/q/clear", "/failed-actions/clear", "/queues/q/remove"):
        response = web.post(path, data={"csrf_token": good},
                            headers={"Host": EVIL, "Origin": f"http://{EVIL}"})
        assert response.status_code == 421, path
    assert r.size("q") == 1 and r.failure.count() == 1
    # the same token under the dashboard's own name works
    assert web.post("/queues/q/clear", data={"csrf_token": good}, headers={"Origin": "http://localhost"}
                    ).status_code == 302
    assert r.size("q") == 0


@pytest.mark.parametrize("host", ["localhost", "localhost:5678", "127.0.0.1:80", "[::1]:5678", "LOCALHOST.",
                                  "10.1.2.3:5678"])
def test_the_default_names_and_the_bind_address_are_served(r: Resque, host: str) -> None:
    web = create_app(r, bind="10.1.2.3").test_client()
    assert web.get("/queues", headers={"Host": host}).status_code == 200


def test_more_names_by_option_and_environment(r: Resque, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESQUE_WEB_ALLOWED_HOSTS", "ops.example.com, .internal")
    web = create_app(r, allow_hosts=["resque.example.org"]).test_client()
    for host in ("ops.example.com", "resque.example.org:443", "a.b.internal", "internal"):
        assert web.get("/api/info", headers={"Host": host}).status_code == 200, host
    for host in ("evil.example", "ops.example.com.evil.example", "xinternal", "", "localhost@evil.example"):
        assert web.get("/api/info", headers={"Host": host}).status_code == 421, host


def test_a_mounted_dashboard_can_limit_its_hosts(r: Resque) -> None:
    from flask import Flask

    from resque_interop.web.app import mount

    app = Flask("host_app")
    app.get("/")(lambda: "the host app")
    mount(app, r, url_prefix="/ops/resque", allow_hosts=["ops.example.com"])
    client = app.test_client()
    assert client.get("/ops/resque/queues", headers={"Host": "ops.example.com"}).status_code == 200
    for path in ("/ops/resque/queues", "/ops/resque/api/info", "/ops/resque/static/app.css"):
        assert client.get(path, headers={"Host": "evil.example"}).status_code == 421, path
    assert client.post("/ops/resque/queues/q/clear", headers={"Host": "evil.example"}).status_code == 421
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 200  # the host app's own business


def test_host_names_are_parsed_as_browsers_send_them() -> None:
    assert host_name("[::1]:5678") == "[::1]" and host_name("Example.COM:80") == "example.com"
    assert host_name("127.0.0.1") == "127.0.0.1" and host_name("[::1]") == "[::1]"
    assert allowed_hosts("0.0.0.0") == ["localhost", "127.0.0.1", "[::1]"]  # a wildcard is no name
    assert allowed_hosts("::1")[-1] == "[::1]" and "fe80::1" not in allowed_hosts("fe80::1")
    assert "[fe80::1]" in allowed_hosts("fe80::1")
    assert host_allowed("anything:1", ["*"]) and not host_allowed(None, ["*"])


def _get(url: str, host: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return 0, ""


def test_the_web_command_checks_hosts_and_shows_a_schedule_file(r: Resque, redis_url: str, tmp_path: Path) -> None:
    r.schedules.set("hourly", {"every": "1h", "class": "Report", "queue": "low"}, persist=True)
    schedule = tmp_path / "schedule.yml"
    schedule.write_text("nightly:\n  cron: '0 3 * * *'\n  class: Archive\n  queue: file_serve\n  args: [1]\n")
    port = free_port()
    env = {**os.environ, "REDIS_URL": redis_url, "PYTHONPATH": str(ROOT), "RESQUE_SCHEDULE": str(schedule),
           "RESQUE_WEB_ALLOWED_HOSTS": "ops.example.com"}
    proc = subprocess.Popen([sys.executable, "-m", "resque_interop", "web", "-p", str(port),
                             "--allow-host", "resque.example.org"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: _get(base + "/")[0] == 200, timeout=20, what="the dashboard answering")
        assert _get(base + "/api/info", "evil.example")[0] == 421
        assert _get(base + "/api/info", "ops.example.com")[0] == 200
        assert _get(base + "/api/info", f"resque.example.org:{port}")[0] == 200
        status, body = _get(base + "/api/schedule")
        assert status == 200
        rows = {s["name"]: s for s in json.loads(body)["schedules"]}
        assert rows["nightly"]["source"] == "file" and rows["nightly"]["interval"] == "cron 0 3 * * *"
        assert rows["hourly"]["source"] == "redis"
        page = _get(base + "/schedule")[1]
        assert 'data-schedule="nightly"' in page and "source-file" in page and "source-redis" in page
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)


def test_a_bad_schedule_file_is_refused_with_its_line(redis_url: str, tmp_path: Path) -> None:
    schedule = tmp_path / "schedule.yml"
    schedule.write_text("nightly:\n  cron: 'not a cron'\n")
    result = subprocess.run([sys.executable, "-m", "resque_interop", "web", "-p", str(free_port()), "-r", redis_url,
                             "--schedule", str(schedule)], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode != 0 and "schedule.yml:1" in result.stderr


def test_the_schedule_page_reads_each_hash_once(r: Resque, raw_redis: redis.Redis) -> None:
    # linear cost: the commands one page sends do not grow with the schedules (Redis counts them)
    def commands(count: int) -> dict[str, int]:
        raw_redis.delete("resque:persistent_schedules")
        for i in range(count):
            r.schedules.set(f"s{i:03}", {"every": "1h", "class": "Report", "queue": "low"}, persist=True)
        r.schedules.load({"static": {"cron": "* * * * *", "class": "Archive", "queue": "low"}})
        raw_redis.config_resetstat()
        page = web.get("/schedule").get_data(as_text=True)
        assert page.count("data-schedule=") == count + 1 and "source-file" in page
        stats = raw_redis.info("commandstats")
        return {k.removeprefix("cmdstat_"): v["calls"] for k, v in stats.items() if k != "cmdstat_info"}

    web = create_app(r).test_client()
    few, many = commands(5), commands(60)
    assert few == many and few.get("hgetall") == 2 and "hget" not in few, (few, many)


def test_a_mounted_dashboards_hosts_are_compared_as_requests_are(r: Resque) -> None:
    from flask import Flask

    from resque_interop.web.app import mount

    app = Flask("host_app_case")
    mount(app, r, url_prefix="/ops", allow_hosts=[" Ops.Example.com. "])
    client = app.test_client()
    assert client.get("/ops/queues", headers={"Host": "ops.example.com"}).status_code == 200
    assert client.get("/ops/queues", headers={"Host": "OPS.example.com:8080"}).status_code == 200
