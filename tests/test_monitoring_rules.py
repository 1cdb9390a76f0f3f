"""contrib/prometheus and contrib/grafana: the alert rules pass their promtool unit tests,
docs/monitoring.md shows the same rules, and every dashboard query is valid PromQL over
metrics that are exposed."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client import generate_latest

from resque_interop import Registry, Resque
from resque_interop.worker import Worker
from resque_interop.worker.worker_metrics import JobMetrics, instrument

from .support.metric_names import exposed_names
from .support.workers import ROOT

RULES = ROOT / "contrib" / "prometheus" / "resque.rules.yml"
DASHBOARD = ROOT / "contrib" / "grafana" / "resque-dashboard.json"
needs_promtool = pytest.mark.skipif(shutil.which("promtool") is None,
                                    reason="no promtool (Debian's prometheus package; ./scripts/test installs it)")


@needs_promtool
def test_the_rules_pass_their_promtool_unit_tests() -> None:
    done = subprocess.run(["promtool", "test", "rules", "resque.rules.test.yml"], cwd=RULES.parent,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_every_alert_has_a_unit_test_and_a_summary() -> None:
    rules = yaml.safe_load(RULES.read_text())
    alerts = {r["alert"]: r for g in rules["groups"] for r in g["rules"] if "alert" in r}
    tests = yaml.safe_load((RULES.parent / "resque.rules.test.yml").read_text())["tests"]
    tested = {t["alertname"] for case in tests for t in case.get("alert_rule_test", []) if t.get("exp_alerts")}
    assert set(alerts) == tested
    assert all(r["annotations"]["summary"] for r in alerts.values())
    assert not any("humanize" in r["annotations"]["summary"] for r in alerts.values())  # "63.16m/s" was unreadable


def test_the_doc_shows_the_rules_file() -> None:
    doc = (ROOT / "docs" / "monitoring.md").read_text()
    assert RULES.read_text() in doc


def test_a_worker_starts_every_registered_class_at_zero(redis_url: str) -> None:
    registry = Registry()
    registry.register("Archive", lambda *a: None, queue="q")
    registry.register("Transcode", lambda *a: None, queue="q")
    worker = Worker(Resque(redis_url, registry=registry, hooks=[]), ["q"])
    text = generate_latest(instrument(worker).registry).decode()
    for name in ("Archive", "Transcode"):
        for outcome in ("performed", "failed", "dirty_exit", "skipped"):
            assert f'resque_jobs_total{{class="{name}",outcome="{outcome}"}} 0.0' in text


def test_a_class_first_seen_gets_all_its_outcomes() -> None:
    metrics = JobMetrics(max_classes=1)
    assert metrics.label("A") == "A" and metrics.label("B") == "other"
    text = generate_latest(metrics.registry).decode()
    assert 'resque_jobs_total{class="other",outcome="dirty_exit"} 0.0' in text
    assert 'resque_jobs_total{class="A",outcome="failed"} 0.0' in text


def dashboard_exprs() -> list[str]:
    board = json.loads(DASHBOARD.read_text())
    return [t["expr"] for p in board["panels"] for t in p["targets"]]


def test_the_dashboard_is_grafana_provisioning_json() -> None:
    board = json.loads(DASHBOARD.read_text())
    assert board["uid"] and board["title"] and isinstance(board["schemaVersion"], int)
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))
    for panel in board["panels"]:
        assert set(panel["gridPos"]) == {"x", "y", "w", "h"} and panel["targets"], panel["title"]
        assert panel["datasource"]["uid"] == "${datasource}"
    provider = yaml.safe_load((DASHBOARD.parent / "dashboards.yml").read_text())
    assert provider["apiVersion"] == 1 and provider["providers"][0]["type"] == "file"
    titles = " ".join(p["title"] for p in board["panels"]).lower()
    for subject in ("waiting", "throughput", "failures", "duration", "workers", "delayed"):
        assert subject in titles


@needs_promtool
def test_every_dashboard_query_is_valid_promql(tmp_path: Path) -> None:
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:query_{i}", "expr": re.sub(r"\$__rate_interval", "5m", e).replace("$class", ".*")
         .replace("$queue", ".*")} for i, e in enumerate(dashboard_exprs())]}]}
    path = tmp_path / "dashboard.rules.yml"
    path.write_text(yaml.safe_dump(rules))
    done = subprocess.run(["promtool", "check", "rules", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    count = len(rules["groups"][0]["rules"])
    assert count > 0 and f"SUCCESS: {count} rules found" in done.stdout, done.stdout  # every query was checked


def test_every_metric_the_dashboard_and_rules_name_is_exposed(redis_url: str) -> None:
    rules = yaml.safe_load(RULES.read_text())
    exprs = [*dashboard_exprs(), *(r["expr"] for g in rules["groups"] for r in g["rules"])]
    named = set(re.findall(r"\b(resque_[a-z_]+)\b", "\n".join(exprs)))
    named = {re.sub(r"_(bucket|sum|count)$", "", n) for n in named}
    assert named and not named - exposed_names(redis_url)
