"""The real resque-web and our dashboard over one Redis list the same things,
and resque-web renders every page of Python-written data without an error."""

from __future__ import annotations

import re
import subprocess
import urllib.parse
import urllib.request

import redis

from resque_interop import Resque
from resque_interop.dev.redis_server import free_port
from resque_interop.schema.readable import counted
from resque_interop.web.app import create_app

from .support.ruby_peer import PEER, needs_ruby, needs_scheduler, ruby, ruby_popen, ruby_worker
from .support.waiting import wait_for
from .support.workers import WorkerProcess

pytestmark = needs_ruby


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except (urllib.error.URLError, ConnectionError) as exc:  # not listening yet
        return 0, str(exc)


def test_both_dashboards_agree(r: Resque, redis_url: str, raw_redis: redis.Redis) -> None:
    port = free_port()
    web = ruby_popen(redis_url, PEER, "web", str(port), stdout=subprocess.DEVNULL)
    ruby_proc = ruby_worker(redis_url, "high,low", "0.1")
    try:
        with WorkerProcess(redis_url, "high,low", "-i", "0.05") as py:
            py_id = py.worker_id()
            wait_for(lambda: raw_redis.scard("resque:workers") == 2, what="both workers")
            r.enqueue_ruby("Blocking", "go", queue="high")
            wait_for(lambda: raw_redis.keys("resque:worker:*:high,low"), what="one working")
            r.enqueue_ruby("Failing", 1, "<b>x</b>", queue="low")   # fails in whichever worker
            ruby(redis_url, "enqueue", "low", "PythonOnly", "[2]")       # fails in Ruby, runs in Python
            r.enqueue_ruby("Archive", 3, queue="waiting_q")
            wait_for(lambda: raw_redis.llen("resque:queue:low") == 0, what="low drained")
            wait_for(lambda: fetch(f"http://127.0.0.1:{port}/overview")[0] == 200, timeout=20, what="resque-web up")
            ours = create_app(r).test_client()

            def workers_in(html: str) -> set[str]:
                return {urllib.parse.unquote(m) for m in re.findall(r'href=["\'][^"\']*/workers/([^"\'?]+)["\']', html)}

            status, theirs = fetch(f"http://127.0.0.1:{port}/workers")
            assert status == 200
            mine = ours.get("/workers").get_data(as_text=True)
            registered = {m.decode() for m in raw_redis.smembers("resque:workers")}
            assert py_id in registered and workers_in(theirs) == registered == workers_in(mine)
            for worker_id in registered:
                assert fetch(f"http://127.0.0.1:{port}/workers/{urllib.parse.quote(worker_id)}")[0] == 200
            status, theirs = fetch(f"http://127.0.0.1:{port}/queues")
            assert status == 200
            for queue, size in r.queue_sizes().items():
                assert queue in theirs and queue in ours.get("/queues").get_data(as_text=True)
                assert re.search(rf">{re.escape(queue)}</a>\s*</td>\s*<td class=.size.>{size}<", theirs), queue
            assert fetch(f"http://127.0.0.1:{port}/failed")[0] == 200
            count = r.failure.count()
            assert count >= 1
            failed_row = re.search(r">failed</a></td>\s*<td class=.size.>(\d+)<", theirs)
            assert failed_row and int(failed_row.group(1)) == count
            assert f"of {counted(count, 'failed job')}" in ours.get("/failed").get_data(as_text=True)
            assert fetch(f"http://127.0.0.1:{port}/working")[0] == 200
            assert fetch(f"http://127.0.0.1:{port}/stats/keys")[0] == 200
            raw_redis.rpush("go", 1)
            py.stop()
    finally:
        ruby_proc.send_signal(3)
        ruby_proc.wait(30)
        web.terminate()
        web.wait(10)


@needs_scheduler
def test_resque_schedulers_web_tab_shows_python_delays(r: Resque, redis_url: str, raw_redis: redis.Redis) -> None:
    # resque-web with resque-scheduler's server plugin lists and opens what Python delayed
    r.delayed.enqueue_at_with_queue("file_serve", 2000000000, "Archive", 44, "masterbrew")
    r.delayed.enqueue_at_with_queue("file_serve", 2000000060, "Archive", "<b>x</b>")
    port = free_port()
    web = ruby_popen(redis_url, PEER, "web", str(port), peers=["scheduler"], stdout=subprocess.DEVNULL,
                     WITH_SCHEDULER="1")
    try:
        wait_for(lambda: fetch(f"http://127.0.0.1:{port}/delayed")[0] == 200, timeout=20, what="resque-web up")
        status, page = fetch(f"http://127.0.0.1:{port}/delayed")
        assert status == 200 and "2033-05-18 03:33:20 +0000" in page and "2033-05-18 03:34:20 +0000" in page
        status, page = fetch(f"http://127.0.0.1:{port}/delayed/2000000000")
        assert status == 200 and "Archive" in page and "masterbrew" in page
        assert fetch(f"http://127.0.0.1:{port}/delayed/2000000060")[0] == 200
    finally:
        web.terminate()
        web.wait(10)
