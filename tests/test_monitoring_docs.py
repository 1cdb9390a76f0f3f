"""docs/monitoring.md stays true: its FastAPI example runs against a real Redis, and
every metric its alert rules and tables name is one that is exposed."""

from __future__ import annotations

import re
import types

import pytest
import redis

from .support.metric_names import exposed_names
from .support.workers import ROOT

DOC = (ROOT / "docs" / "monitoring.md").read_text()


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC, re.DOTALL)


def test_every_metric_the_doc_names_is_exposed(redis_url: str) -> None:
    exprs = "\n".join(line for block in code_blocks("yaml") for line in block.splitlines() if "expr:" in line)
    named = set(re.findall(r"\b(resque_[a-z_]+)\b", exprs)) | set(re.findall(r"^\| `(resque_[a-z_]+)", DOC, re.M))
    missing = named - exposed_names(redis_url)
    assert not missing, missing
    assert {"resque_jobs_pending", "resque_failed_total", "resque_queue_workers"} <= named


def test_the_fastapi_example_enqueues_what_ruby_reads(redis_url: str, raw_redis: redis.Redis,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("fastapi")
    pytest.importorskip("httpx")
    from fastapi.testclient import TestClient

    (source,) = [block for block in code_blocks("python") if "FastAPI(" in block]
    monkeypatch.setenv("REDIS_URL", redis_url)
    module = types.ModuleType("monitoring_example")
    exec(compile(source, "docs/monitoring.md", "exec"), module.__dict__)
    with TestClient(module.app) as http:
        assert http.post("/episodes/44/archive").json() == {"queued": True, "waiting": 1}
        assert http.post("/episodes/45/archive").json() == {"queued": True, "waiting": 2}
        info = http.get("/resque").json()
    assert raw_redis.lrange("resque:queue:file_serve", 0, -1) == [
        b'{"class":"Archive","args":[44,"masterbrew"]}', b'{"class":"Archive","args":[45,"masterbrew"]}'
    ]
    assert (info["pending"], info["queues"]) == (2, 1)
