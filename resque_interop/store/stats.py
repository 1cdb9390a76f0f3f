"""Resque's counters: ``stat:processed``, ``stat:failed`` and per-worker ones.

The store is pluggable, as ``Resque.stat_data_store=`` is in Ruby: the Redis
store is the default; :class:`NullStatStore` keeps nothing (for apps that count
elsewhere). A custom store implements the four methods of :class:`StatStore`.

Whether a store's counters are the ``stat:processed`` keys that the worker's reserve
script counts in the same step as it finishes a job is the store's own
``counts_in_reserve`` (see :func:`counts_in_reserve`): True for the Redis store only;
any other store is counted by the worker through :meth:`StatStore.incr`.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from .counters import CounterStore
from .pipeline import Pipeline


@runtime_checkable
class StatStore(Protocol):
    """What a stat store provides."""

    def get(self, name: str) -> int: ...
    def incr(self, name: str, by: int = 1, pipe: Pipeline | None = None) -> None: ...
    def decr(self, name: str, by: int = 1, pipe: Pipeline | None = None) -> None: ...
    def clear(self, name: str, pipe: Pipeline | None = None) -> None: ...


def counts_in_reserve(stats: StatStore) -> bool:
    """True when the reserve script counts processed jobs for ``stats`` (its
    ``counts_in_reserve``; a store without one, as a custom store, is False)."""
    return getattr(stats, "counts_in_reserve", False) is True


class RedisStatStore:
    """Counters in ``stat:<name>`` strings, as Ruby Resque keeps them."""

    #: the reserve script finishes a job and counts it in ``stat:processed`` in one step
    counts_in_reserve = True

    def __init__(self, counters: CounterStore) -> None:
        self.counters = counters

    def get(self, name: str) -> int:
        """The counter's value (0 when unset)."""
        return self.counters.stat(name)

    def incr(self, name: str, by: int = 1, pipe: Pipeline | None = None) -> None:
        """INCRBY; in ``pipe`` when given."""
        self.counters.incr_stat(name, by, pipe)

    def decr(self, name: str, by: int = 1, pipe: Pipeline | None = None) -> None:
        """DECRBY (Ruby 3.0's ``Stat.decr`` is broken by a typo; this one works)."""
        self.counters.decr_stat(name, by, pipe)

    def clear(self, name: str, pipe: Pipeline | None = None) -> None:
        """DEL the counter."""
        self.counters.clear_stat(name, pipe)


class NullStatStore:
    """Keeps no counters."""

    counts_in_reserve = False

    def get(self, name: str) -> int:
        return 0

    def incr(self, name: str, by: int = 1, pipe: Pipeline | None = None) -> None:
        return None

    def decr(self, name: str, by: int = 1, pipe: Pipeline | None = None) -> None:
        return None

    def clear(self, name: str, pipe: Pipeline | None = None) -> None:
        return None
