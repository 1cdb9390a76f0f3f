"""Reading a Redis keyspace in the recorded fixtures' shape, and comparing
recordings byte for byte where bytes must match and by format where they
cannot (hosts, pids, times)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import redis

FIXTURES = Path(__file__).parent.parent / "ruby_fixtures"
NODE_FIXTURES = Path(__file__).parent.parent / "node_fixtures"


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


def step(fixture: dict[str, Any], name: str) -> dict[str, Any]:
    for s in fixture["steps"]:
        if s["step"] == name:
            return s
    raise KeyError(name)


def _text(value: bytes) -> str:
    return value.decode("utf-8")


def dump(client: redis.Redis, pattern: str = "*") -> dict[str, Any]:
    """Every key as {type, ttl, value}, as the fixtures record them."""
    out: dict[str, Any] = {}
    for key in sorted(client.scan_iter(match=pattern, count=1000)):
        kind = _text(client.type(key))
        ttl = client.ttl(key)
        if kind == "string":
            value: Any = _text(client.get(key))
        elif kind == "list":
            value = [_text(v) for v in client.lrange(key, 0, -1)]
        elif kind == "set":
            value = sorted(_text(v) for v in client.smembers(key))
        elif kind == "hash":
            value = {_text(k): _text(v) for k, v in sorted(client.hgetall(key).items())}
        elif kind == "zset":
            value = [[_text(m), s] for m, s in client.zrange(key, 0, -1, withscores=True)]
        else:
            value = None
        out[_text(key)] = {"type": kind, "ttl": ttl, "value": value}
    return out


TIME_FORMATS = [
    (re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}"), "<STARTED>"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d"), "<HEARTBEAT>"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"), "<RUN_AT>"),
    (re.compile(r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d [A-Z][A-Za-z+0-9-]*"), "<FAILED_AT>"),
    (re.compile(r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d"), "<TIME_NO_ZONE>"),
]


#: The date and clock part of every format above, leaving the zone (``+0530``,
#: ``+05:30``, ``Z``, ``IST``) in place to be compared.
ZONED_TIME = re.compile(r"\d{4}([-/])\d\d\1\d\d[ T]\d\d:\d\d:\d\d")


def normalize_text(text: str, names: dict[str, str], keep_zones: bool = False) -> str:
    for old, new in sorted(names.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(old, new)
    if keep_zones:
        return ZONED_TIME.sub(lambda m: "<T>" if m.group(1) == "-" else "<T/>", text)
    for pattern, token in TIME_FORMATS:
        text = pattern.sub(token, text)
    return text


def _normalize_failure(text: str, names: dict[str, str], keep_zones: bool = False) -> str:
    """A failure entry: exception names and backtraces are each language's own;
    the rest (field order included) must match."""
    try:
        data = json.loads(text)
    except ValueError:
        return normalize_text(text, names, keep_zones)
    if not isinstance(data, dict) or "exception" not in data:
        return normalize_text(text, names, keep_zones)
    data["exception"] = "<EXCEPTION>" if data["exception"] not in (
        "Resque::DirtyExit", "Resque::PruneDeadWorkerDirtyExit") else data["exception"]
    assert isinstance(data.get("backtrace"), list), text
    assert all(isinstance(line, str) for line in data["backtrace"]), text
    data["backtrace"] = "<BACKTRACE>"
    data["error"] = re.sub(r"pid \d+", "pid <CHILD>", data["error"])
    return normalize_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), names, keep_zones)


def normalize(keyspace: dict[str, Any], names: dict[str, str], keep_zones: bool = False) -> dict[str, Any]:
    """Hosts/pids to tokens (``names``: literal -> token), times to their format
    (or, with ``keep_zones``, to a token followed by the zone as written), TTLs to
    their sign, failure entries' exception/backtrace to tokens."""
    out: dict[str, Any] = {}
    for key, entry in keyspace.items():
        nkey = normalize_text(key, names)
        value = entry["value"]
        failed = key.endswith("failed")
        if isinstance(value, str):
            value = normalize_text(value, names, keep_zones)
        elif isinstance(value, list):
            value = [
                (_normalize_failure(v, names, keep_zones) if failed else normalize_text(v, names, keep_zones))
                if isinstance(v, str)
                else v
                for v in value
            ]
            if entry["type"] == "set":
                value = sorted(value)
        elif isinstance(value, dict):
            value = {normalize_text(k, names): normalize_text(v, names, keep_zones) for k, v in value.items()}
        ttl = entry["ttl"]
        out[nkey] = {"type": entry["type"], "ttl": "<TTL>" if ttl > 0 else ttl, "value": value}
    return out


def restore(raw_redis: redis.Redis, keyspace: dict) -> None:
    """Write a recorded keyspace's lists, sets and sorted sets into Redis (the types the
    recordings of jobs, failures and delayed items hold)."""
    for key, entry in keyspace.items():
        if entry["type"] == "list":
            raw_redis.rpush(key, *entry["value"])
        elif entry["type"] == "set":
            raw_redis.sadd(key, *entry["value"])
        elif entry["type"] == "zset":
            raw_redis.zadd(key, {member: score for member, score in entry["value"]})
        else:
            raise AssertionError(f"unexpected {entry['type']} in a recording")
