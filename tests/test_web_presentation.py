"""How the dashboard presents things: the paged class filter, notes after actions that
return to the page they were taken on, one pager wording, times, the active
tab, totals, the per-key view, trailing slashes, args key order, "unknown"
for missing fields, and valid HTML on every page."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import html5lib
import redis
from flask.testing import FlaskClient

from resque_interop import Registry, Resque
from resque_interop.failure import FailureInfo
from resque_interop.failure.search import find
from resque_interop.web.app import create_app

from .support.malformed_keyspace import load_space, wrong_values


def fail(r: Resque, cls: str, arg: Any, queue: str = "low") -> None:
    r.save_failure(FailureInfo({"class": cls, "args": [arg]}, "RuntimeError", "boom", ["x.py:1"], "h:1:low", queue))


def indexes(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'class="failure" data-index="(\d+)"', page)]


def token(client: FlaskClient, url: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', client.get(url).get_data(as_text=True))
    assert found
    return found.group(1)


def more_link(page: str) -> str | None:
    found = re.search(r'<a class="next" href="([^"]+)">more', page)
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_class_filter_pages_on_the_server(r: Resque, web: FlaskClient) -> None:
    for i in range(130):
        fail(r, "Rare" if i % 3 == 0 else "Common", i)
    seen: list[int] = []
    url: str | None = "/failed?class=Rare&order=asc"
    while url:
        page = web.get(url).get_data(as_text=True)
        got = indexes(page)
        assert 0 < len(got) <= 20
        seen += got
        url = more_link(page)
    assert seen == list(range(0, 130, 3))  # every match once, in order, one page at a time
    newest = web.get("/failed?class=Rare&order=desc").get_data(as_text=True)
    assert indexes(newest)[:2] == [129, 126] and "Showing 20 failures of class Rare" in newest
    api = web.get("/api/failed?class=Rare&count=5").get_json()
    assert [f["index"] for f in api["failures"]] == [0, 3, 6, 9, 12] and api["next"] == 13
    api = web.get(f"/api/failed?class=Rare&count=5&start={api['next']}").get_json()
    assert [f["index"] for f in api["failures"]] == [15, 18, 21, 24, 27]


def test_a_walk_stops_at_its_budget_and_says_where_to_go_on(r: Resque) -> None:
    for i in range(50):
        fail(r, "Needle" if i == 45 else "Hay", i)
    first = find(r, "failed", "Needle", None, 20, budget=30, chunk=7)
    assert first.records == [] and first.next_start is not None and first.scanned <= 35
    second = find(r, "failed", "Needle", first.next_start, 20, budget=30, chunk=7)
    assert [x.index for x in second.records] == [45] and second.next_start is None


def test_an_action_returns_to_its_page_with_a_note(r: Resque, web: FlaskClient) -> None:
    for i in range(45):
        fail(r, "A", i)
    page2 = "/failed?start=20"
    fingerprint = r.failure.all(25, 1)[0].fingerprint
    response = web.post("/failed/failed/remove/25", headers={"Origin": "http://localhost"},
                        data={"csrf_token": token(web, page2), "fingerprint": fingerprint, "next": page2})
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert target.path == "/failed" and parse_qs(target.query)["start"] == ["20"]
    shown = web.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="note"' in shown and "Removed failure 25 (A)" in shown
    assert "Showing 21 to 40 of 44 failed jobs" in shown
    # a note made up in the URL is not shown, nor a next that leaves the dashboard
    assert 'class="note"' not in web.get("/failed?note=1.2.You+were+hacked").get_data(as_text=True)
    response = web.post("/failed-actions/clear", data={"csrf_token": token(web, "/failed"), "next": "//evil.example/x"})
    assert urlsplit(response.headers["Location"]).netloc == "" and response.headers["Location"].startswith("/failed")


def test_one_pager_wording_on_every_paged_page(r: Resque, web: FlaskClient) -> None:
    for i in range(40):
        r.enqueue_ruby("Archive", i, queue="q")
        fail(r, "A", i)
    for url, what in (("/queues/q", "jobs"), ("/failed", "failed jobs")):
        page = web.get(url).get_data(as_text=True)
        assert re.findall(r"Showing [^<\n]*", page) == [f"Showing 1 to 20 of 40 {what}"] * 2, url


def test_the_keys_page_is_paged(raw_redis: redis.Redis, web: FlaskClient) -> None:
    raw_redis.mset({f"resque:stat:processed:h:{i}:q": i for i in range(150)})
    raw_redis.rpush("resque:queue:q", "x")
    first = web.get("/stats/keys").get_data(as_text=True)
    assert "Showing 1 to 100 of 151 keys" in first and first.count('href="/stats/keys/') == 100
    last = web.get("/stats/keys?start=100").get_data(as_text=True)
    assert "Showing 101 to 151 of 151 keys" in last
    both = first + last
    assert re.search(r'queue:q</a></td>\s*<td>list</td><td class="n">1<', both)
    assert re.search(r'stat:processed:h:99:q</a></td>\s*<td>string</td><td class="n">2<', both)
    assert len(web.get("/api/stats/keys").get_json()) == 151


def test_the_active_tab_is_marked(web: FlaskClient) -> None:
    for url, tab in (("/", "Overview"), ("/queues/x", "Queues"), ("/failed", "Failed"), ("/stats/keys", "Stats"),
                     ("/delayed", "Delayed"), ("/workers", "Workers")):
        page = web.get(url).get_data(as_text=True)
        assert re.findall(r'class="active" aria-current="page">([^<]+)<', page) == [tab], url


def test_worker_totals_per_key_view_and_slashes(r: Resque, raw_redis: redis.Redis, web: FlaskClient) -> None:
    raw_redis.sadd("resque:workers", "h:1:q", "h:2:q")
    raw_redis.set("resque:worker:h:1:q", '{"queue":"q","run_at":"2026-11-28T21:27:38Z","payload":{"class":"A","args":[]}}')
    assert "1 of 2 Workers Working" in web.get("/").get_data(as_text=True)
    assert "1 of 2 Workers Working" in web.get("/workers/").get_data(as_text=True)
    r.enqueue_ruby("Archive", {"z": 1, "a": 2}, queue="q")
    for url in ("/queues/", "/failed/", "/stats/keys/", "/delayed/", "/api/queues/"):
        assert web.get(url).status_code == 200, url
    key = web.get("/stats/keys/queue:q").get_data(as_text=True)
    assert "is a list" in key and "&#34;z&#34;" in key
    assert "is a set" in web.get("/stats/keys/workers").get_data(as_text=True)
    # hashes inside args keep their key order in the JSON API
    body = web.get("/api/queues/q").get_data(as_text=True)
    assert '{"class":"Archive","args":[{"z":1,"a":2}]}' in body


def test_times_are_one_format_relative_with_the_exact_time_on_hover(r: Resque, raw_redis: redis.Redis,
                                                                     web: FlaskClient) -> None:
    raw_redis.rpush("resque:failed", '{"failed_at":"2026/11/28 21:27:38 UTC","payload":{"class":"A","args":[]},'
                    '"exception":"E","error":"e","backtrace":[],"worker":"w","queue":"q"}')
    r.delayed.enqueue_at_with_queue("q", 2000000000, "Archive", 1)
    failed = web.get("/failed").get_data(as_text=True)
    assert re.search(r'<time datetime="2026-11-28T21:27:38\+00:00" title="2026-11-28 21:27:38 UTC">[^<]+ ago</time>',
                     failed)
    assert re.search(r'title="2033-05-18 03:33:20 UTC">in \d+ years</time>', web.get("/delayed").get_data(as_text=True))


def test_partial_failure_entries_show_unknown(raw_redis: redis.Redis, web: FlaskClient) -> None:
    raw_redis.rpush("resque:failed", "{}", '{"payload":{"class":"A","args":[]}}')
    page = web.get("/failed").get_data(as_text=True)
    assert "nil" not in page and " on  at" not in page
    first = page.split('data-index="0"')[1].split('data-index="1"')[0]
    assert first.count('<span class="unknown">unknown</span>') == 6  # worker, queue, time, class, exception, error


def test_the_failed_lists_overview_has_a_total_row(redis_url: str) -> None:
    r = Resque(redis_url, registry=Registry(), failure_backend="redis_multi_queue")
    fail(r, "A", 1, "low")
    fail(r, "A", 2, "low")
    fail(r, "B", 3, "high")
    page = create_app(r).test_client().get("/failed").get_data(as_text=True)
    assert re.search(r'<tr class="total"><th>Total</th><th class="n">3</th></tr>', page)


def test_every_page_is_valid_html(r: Resque, raw_redis: redis.Redis, web: FlaskClient) -> None:
    load_space(raw_redis, wrong_values())
    parser = html5lib.HTMLParser(strict=True)
    for url in ("/", "/working", "/queues", "/queues/good", "/failed", "/failed?class=Archive", "/workers",
                "/workers/host:100:good", "/stats", "/stats/redis", "/stats/keys", "/stats/keys/queue:good",
                "/delayed", "/delayed/2000000000", "/nowhere", "/failed/nope"):
        response = web.get(url)
        page = response.get_data(as_text=True)
        parser.parse(page)  # raises on the first parse error
        assert not re.search(r"<p[\s>](?:(?!</p>).)*<form", page, re.S), url  # no form inside a paragraph
