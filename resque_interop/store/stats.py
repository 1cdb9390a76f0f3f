"""Resque's counters: ``stat:processed``, ``stat:failed`` and per-worker ones.

The store is pluggable, as ``Resque.stat_data_store=`` is in Ruby: the Redis
store is the default; :class:`NullStatStore` keeps nothing (for apps that count
elsewhere). A custom store implements the four methods of :class:`StatStore`.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from .datastore import DataStore


@runtime_checkable
class StatStore(Protocol):
    """What a stat store provides."""

    def get(self, name: str) -> int: ...
    def incr(self, name: str, by: int = 1, pipe: Any = None) -> None: ...
    def decr(self, name: str, by: int = 1, pipe: Any = None) -> None: ...
    def clear(self, name: str, pipe: Any = None) -> None: ...


class RedisStatStore:
    """Counters in ``stat:<name>`` strings, as Ruby Resque keeps them."""

    def __init__(self, store: DataStore) -> None:
        self.store = store

    def get(self, name: str) -> int:
        """The counter's value (0 when unset)."""
        return self.store.stat(name)

    def incr(self, name: str, by: int = 1, pipe: Any = None) -> None:
        """INCRBY; in ``pipe`` when given."""
        self.store.incr_stat(name, by, pipe)

    def decr(self, name: str, by: int = 1, pipe: Any = None) -> None:
        """DECRBY (Ruby 3.0's ``Stat.decr`` is broken by a typo; this one works)."""
        self.store.decr_stat(name, by, pipe)

    def clear(self, name: str, pipe: Any = None) -> None:
        """DEL the counter."""
        self.store.clear_stat(name, pipe)


class NullStatStore:
    """Keeps no counters."""

    def get(self, name: str) -> int:
        return 0

    def incr(self, name: str, by: int = 1, pipe: Any = None) -> None:
        return None

    def decr(self, name: str, by: int = 1, pipe: Any = None) -> None:
        return None

    def clear(self, name: str, pipe: Any = None) -> None:
        return None
