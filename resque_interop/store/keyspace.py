"""Browsing the keyspace as resque-web's stats page does: every key under the namespace,
each key's type, size and contents, the server's INFO; and deleting keys by name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import redis

from ..schema.keys import Keys
from ..schema.readable import text


def type_name(reply: bytes | str | None) -> str:
    """TYPE's reply as text; ``"none"`` for a missing key."""
    return (text(reply) if reply is not None else "") or "none"


class KeyspaceStore:
    """The namespace's keys by name (without the prefix) over one redis-py client."""

    def __init__(self, client: redis.Redis[bytes], keys: Keys) -> None:
        self.redis = client
        self.keys = keys

    def ping(self) -> None:
        """PING: raises the client's error when the server does not answer."""
        self.redis.ping()

    def delete(self, *names: str) -> int:
        """Delete namespaced keys by name."""
        return int(self.redis.delete(*[self.keys.raw(n) for n in names])) if names else 0

    def all_keys(self) -> list[str]:
        """Every key under the namespace, without the prefix (SCAN, not KEYS)."""
        return sorted(self.keys.strip(text(k)) for k in self.redis.scan_iter(match=self.keys.raw("*"), count=1000))

    def key_info(self, name: str) -> tuple[str, int]:
        """(type, size) of a namespaced key, as resque-web's stats page shows."""
        key = self.keys.raw(name)
        kind = type_name(self.redis.execute_command("TYPE", key, keys=[key]))
        size: Any = {
            "list": self.redis.llen,
            "set": self.redis.scard,
            "zset": self.redis.zcard,
            "hash": self.redis.hlen,
            "string": self.redis.strlen,
        }.get(kind)
        return kind, int(size(key)) if size else 0

    def key_infos(self, names: Sequence[str]) -> list[tuple[str, int]]:
        """(type, size) of many namespaced keys in two round trips."""
        kinds = self.key_types(names)
        pipe = self.redis.pipeline(transaction=False)
        sizers: dict[str, Any] = {"list": pipe.llen, "set": pipe.scard, "zset": pipe.zcard, "hash": pipe.hlen,
                                  "string": pipe.strlen}
        asked = [kind in sizers for kind in kinds]
        for name, kind in zip(names, kinds):
            if kind in sizers:
                sizers[kind](self.keys.raw(name))
        sizes = iter(pipe.execute(raise_on_error=False) if any(asked) else [])
        out = []
        for kind, ok in zip(kinds, asked):
            n = next(sizes) if ok else 0
            out.append((kind, n if isinstance(n, int) else 0))  # a key that changed type meanwhile: 0
        return out

    def key_types(self, names: Sequence[str]) -> list[str]:
        """TYPE of many namespaced keys in one round trip."""
        pipe = self.redis.pipeline(transaction=False)
        for name in names:
            pipe.type(self.keys.raw(name))
        return [type_name(t) for t in pipe.execute()]

    def key_items(self, name: str, start: int, count: int) -> tuple[str, int, list[Any]]:
        """(type, size, a window of the contents) of a namespaced key, as resque-web's
        per-key view: list and zset members, set members, hash pairs, a string's value."""
        kind, size = self.key_info(name)
        key, stop = self.keys.raw(name), start + count - 1
        items: list[Any] = []
        if kind == "list":
            items = self.redis.lrange(key, start, stop)
        elif kind == "zset":
            items = self.redis.zrange(key, start, stop, withscores=True)
        elif kind == "set":
            items = sorted(self.redis.sscan_iter(key, count=1000))[start:stop + 1]
        elif kind == "hash":
            items = sorted(self.redis.hscan_iter(key, count=1000))[start:stop + 1]
        elif kind == "string":
            items = [self.redis.execute_command("GETRANGE", key, 0, 64 * 1024 - 1, keys=[key])] if start == 0 else []
        return kind, size, items

    def redis_info(self) -> dict[str, Any]:
        return dict(self.redis.info())
