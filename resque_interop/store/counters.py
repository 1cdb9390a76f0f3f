"""Resque's counters in ``stat:<name>`` strings (Ruby's ``DataStore::StatsAccess``);
:mod:`.stats` puts the pluggable stat store in front of them."""

from __future__ import annotations

import redis

from ..schema.keys import Keys
from ..schema.readable import to_int
from .pipeline import Pipeline


class CounterStore:
    """``stat:<name>`` of one namespace; writes go on ``pipe`` when one is given."""

    def __init__(self, client: redis.Redis[bytes], keys: Keys) -> None:
        self.redis = client
        self.keys = keys

    def stat(self, name: str) -> int:
        """A counter; 0 when unset or not an integer (see :meth:`stat_raw`)."""
        return to_int(self.redis.get(self.keys.stat(name))) or 0

    def stat_raw(self, name: str) -> bytes | None:
        """A counter's bytes as stored, to show one that does not parse."""
        found: bytes | None = self.redis.get(self.keys.stat(name))
        return found

    def incr_stat(self, name: str, by: int = 1, pipe: Pipeline | None = None) -> None:
        (pipe if pipe is not None else self.redis).incrby(self.keys.stat(name), by)

    def decr_stat(self, name: str, by: int = 1, pipe: Pipeline | None = None) -> None:
        (pipe if pipe is not None else self.redis).decrby(self.keys.stat(name), by)

    def clear_stat(self, name: str, pipe: Pipeline | None = None) -> None:
        (pipe if pipe is not None else self.redis).delete(self.keys.stat(name))
