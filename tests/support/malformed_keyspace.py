"""Hostile keyspaces: every key of docs/schema.md holding what other Resque
versions, plugins, half-finished writes or people with redis-cli can leave.

``WRONG_VALUES`` keeps every key at its schema type with contents that do not
parse (non-integer counters, not JSON, the wrong JSON shapes, invalid UTF-8,
huge values, delayed members that are not integers). ``WRONG_TYPES`` gives one
keyspace per schema key with that key alone at a type Resque never writes, so
that one broken key cannot hide another. ``SAMPLES`` names, for each URL
variable of the dashboard, the values a sweep requests.
"""

from __future__ import annotations

from typing import Any

import redis

NS = "resque:"
BAD_UTF8 = b"caf\xc3(\xff\xfe"
HUGE = b"x" * (2 * 1024 * 1024)
HUGE_NUMBER = b"9" * 5000  # past Python's int-from-text limit
HOSTILE = "<script>alert(1)</script>"

WORKER_OK = "host:100:good"
WORKER_NOT_JSON = "host:101:bad"
WORKER_LIST = "host:102:bad"
WORKER_SHAPES = "host:103:bad"
WORKER_NO_PID = "hostonly"
WORKER_UTF8 = "host:104:" + BAD_UTF8.decode("latin-1")

FAILURE_ENTRIES: list[bytes] = [
    b"not json " + HOSTILE.encode(),
    b"{}",
    b"[]",
    b'"a string"',
    b"null",
    b"12",
    b'{"payload":"x"}',
    b'{"payload":{"class":["A"],"args":"notalist"},"queue":7,"worker":null}',
    b'{"failed_at":5,"payload":{"class":"Archive","args":{"b":1,"a":2}},"exception":{"a":1},'
    b'"error":null,"backtrace":"one line","worker":["w"],"queue":"low","retried_at":17}',
    b'{"failed_at":"yesterday","payload":{"class":"Archive","args":[1]},"exception":"E","error":"e",'
    b'"backtrace":[1,null,{"x":2}],"worker":"w","queue":"low"}',
    b'{"payload":{"class":"' + BAD_UTF8 + b'","args":[]}}',
    BAD_UTF8,
    b'{"payload":{"class":"Huge","args":["' + HUGE + b'"]},"queue":"low"}',
    b'{"failed_at":"2026/11/28 21:27:38 UTC","payload":{"class":"' + HOSTILE.encode() + b'","args":[]},'
    b'"exception":"' + HOSTILE.encode() + b'","error":"' + HOSTILE.encode() + b'","backtrace":[],'
    b'"worker":"' + HOSTILE.encode() + b'","queue":"' + HOSTILE.encode() + b'"}',
]

JOBS: list[bytes] = [
    b'{"class":"Archive","args":[1]}',
    b"not json",
    b"[1,2]",
    b'"str"',
    b'{"class":5,"args":"x"}',
    b'{"class":null}',
    b'{"class":"Archive","args":{"z":1,"a":2}}',
    BAD_UTF8,
    b'{"class":"Huge","args":["' + HUGE + b'"]}',
]


def _worker_values() -> dict[str, tuple[str, Any]]:
    out: dict[str, tuple[str, Any]] = {
        "workers": ("set", [WORKER_OK, WORKER_NOT_JSON, WORKER_LIST, WORKER_SHAPES, WORKER_NO_PID,
                            WORKER_UTF8.encode("latin-1"), "", HOSTILE + ":1:" + HOSTILE]),
        f"worker:{WORKER_NOT_JSON}": ("string", b"{not json"),
        f"worker:{WORKER_LIST}": ("string", b"[1,2,3]"),
        f"worker:{WORKER_SHAPES}": ("string", b'{"queue":["x"],"run_at":5,"payload":"str"}'),
        f"worker:{WORKER_OK}": ("string", b'{"queue":"good","run_at":"soon","payload":{"class":7,"args":{"b":1,"a":2}}}'),
        f"worker:{WORKER_OK}:started": ("string", b"not a time"),
        f"worker:{WORKER_NOT_JSON}:started": ("string", BAD_UTF8),
        f"worker:{WORKER_LIST}:started": ("string", HUGE_NUMBER),
        "workers:heartbeat": ("hash", {WORKER_OK: b"garbage", WORKER_NOT_JSON: BAD_UTF8, "ghost": b"1"}),
        f"stat:processed:{WORKER_OK}": ("string", b"abc"),
        f"stat:failed:{WORKER_OK}": ("string", b"1.5"),
        f"stat:processed:{WORKER_NOT_JSON}": ("string", HUGE_NUMBER),
        f"stat:failed:{WORKER_NOT_JSON}": ("string", BAD_UTF8),
        "stat:processed:host:101": ("string", b"-3"),
    }
    return out


def wrong_values() -> dict[str, tuple[str, Any]]:
    """One keyspace: every schema key at its type, its contents unreadable."""
    space: dict[str, tuple[str, Any]] = {
        "queues": ("set", ["good", "empty", "", BAD_UTF8, HOSTILE, "missing"]),
        "queue:good": ("list", JOBS),
        "queue:": ("list", [b"{}"]),
        "pruning_dead_workers_in_progress": ("string", BAD_UTF8),
        "pause-all-workers": ("string", BAD_UTF8),
        "failed": ("list", FAILURE_ENTRIES),
        "failed_queues": ("set", ["failed", "good_failed", "ghost_failed", BAD_UTF8, ""]),
        "good_failed": ("list", FAILURE_ENTRIES),
        "stat:processed": ("string", b"abc"),
        "stat:failed": ("string", HUGE_NUMBER),
        "delayed_queue_schedule": ("zset", {b"abc": 1, b"1.5": 2, HUGE_NUMBER: 3, b"-5": 4,
                                            b"99999999999999999999": 5, b"2000000000": 6, BAD_UTF8: 7}),
        "delayed:2000000000": ("list", JOBS),
        "delayed:abc": ("list", [b"x"]),
        "delayed:99999999999999999999": ("list", [b"{}"]),
        "timestamps:" + '{"class":"Archive","args":[1]}': ("set", ["delayed:abc", "nonsense"]),
        f"{NS}resque_scheduler_master_lock": ("string", BAD_UTF8),
    }
    space.update(_worker_values())
    return space


# the type each schema key must have, and a value of another type to put there
SCHEMA_TYPES: dict[str, str] = {
    "queues": "set",
    "queue:good": "list",
    "workers": "set",
    f"worker:{WORKER_OK}": "string",
    f"worker:{WORKER_OK}:started": "string",
    "workers:heartbeat": "hash",
    "pruning_dead_workers_in_progress": "string",
    "pause-all-workers": "string",
    "failed": "list",
    "good_failed": "list",
    "failed_queues": "set",
    "stat:processed": "string",
    "stat:failed": "string",
    f"stat:processed:{WORKER_OK}": "string",
    f"stat:failed:{WORKER_OK}": "string",
    "delayed_queue_schedule": "zset",
    "delayed:2000000000": "list",
    'timestamps:{"class":"Archive","args":[1]}': "set",
    f"{NS}resque_scheduler_master_lock": "string",
}

_OTHER = {"set": ("hash", {"a": "1"}), "list": ("string", b"x"), "string": ("list", [b"x"]),
          "hash": ("string", b"x"), "zset": ("list", [b"1"])}


def wrong_types() -> list[tuple[str, dict[str, tuple[str, Any]]]]:
    """One keyspace per schema key: a sane Resque with that key at the wrong type."""
    base: dict[str, tuple[str, Any]] = {
        "queues": ("set", ["good"]),
        "queue:good": ("list", [b'{"class":"Archive","args":[1]}']),
        "workers": ("set", [WORKER_OK]),
        f"worker:{WORKER_OK}": ("string", b'{"queue":"good","run_at":"2026-11-28T21:27:38Z","payload":{"class":"A","args":[]}}'),
        f"worker:{WORKER_OK}:started": ("string", b"2026-11-28 21:27:37 +0000"),
        "workers:heartbeat": ("hash", {WORKER_OK: b"2026-11-28T21:27:37+00:00"}),
        "pruning_dead_workers_in_progress": ("string", WORKER_OK),
        "pause-all-workers": ("string", b"false"),
        "failed": ("list", [FAILURE_ENTRIES[-1]]),
        "good_failed": ("list", [FAILURE_ENTRIES[-1]]),
        "failed_queues": ("set", ["good_failed"]),
        "stat:processed": ("string", b"3"),
        "stat:failed": ("string", b"1"),
        f"stat:processed:{WORKER_OK}": ("string", b"2"),
        f"stat:failed:{WORKER_OK}": ("string", b"1"),
        "delayed_queue_schedule": ("zset", {b"2000000000": 2000000000}),
        "delayed:2000000000": ("list", [b'{"class":"Archive","args":[1],"queue":"good"}']),
        'timestamps:{"class":"Archive","args":[1],"queue":"good"}': ("set", ["delayed:2000000000"]),
        f"{NS}resque_scheduler_master_lock": ("string", b"host:1"),
    }
    out = []
    for key, kind in SCHEMA_TYPES.items():
        space = dict(base)
        space[key] = _OTHER[kind]
        out.append((key, space))
    return out


def load_space(client: redis.Redis, space: dict[str, tuple[str, Any]], namespace: str = NS) -> None:
    """Write a keyspace (names without the namespace) into a flushed database."""
    client.flushdb()
    for name, (kind, value) in space.items():
        key = namespace + name
        if kind == "string":
            client.set(key, value)
        elif kind == "list":
            client.rpush(key, *value)
        elif kind == "set":
            client.sadd(key, *value)
        elif kind == "hash":
            client.hset(key, mapping=value)
        elif kind == "zset":
            client.zadd(key, value)


# values for each URL variable of the dashboard's routes
SAMPLES: dict[str, list[Any]] = {
    "queue": ["good", "empty", "missing", HOSTILE, "café", "a/b"],
    "list_name": ["failed", "good_failed", "ghost_failed", "nope", HOSTILE],
    "worker_id": [WORKER_OK, WORKER_NOT_JSON, WORKER_LIST, WORKER_SHAPES, WORKER_NO_PID, "nobody:1:x", HOSTILE],
    "timestamp": [2000000000, 0, 5, 99999999999999999999],
    "index": [0, 1, 8, 12, 10**30],
    "key": ["queues", "queue:good", "failed", "workers:heartbeat", "delayed_queue_schedule", "stat:processed",
            "nothing", HOSTILE],
}

QUERIES = ["", "?start=1", "?start=-4", "?start=abc", f"?start={10**30}", "?count=100000",
           "?class=Archive", "?class=Archive&order=desc", "?order=desc&start=3", "?list=good_failed",
           "?list=nope", f"?class={HOSTILE}"]
