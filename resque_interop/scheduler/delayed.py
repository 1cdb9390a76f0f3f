"""Delayed jobs in resque-scheduler's schema (``Resque.enqueue_at`` and friends).

A Python producer can delay a job that Ruby's resque-scheduler later moves to
its queue, and :meth:`DelayedQueue.enqueue_due` moves due jobs as the
scheduler's ``handle_delayed_items`` does (``resque-interop scheduler`` runs it
whenever no other scheduler holds the master lock: each batch leaves its list
atomically, checked against the lock in the same step). The keys, as resque-scheduler 5.0 writes them:

* ``delayed_queue_schedule``: sorted set of epoch seconds (score = member);
* ``delayed:<ts>``: list of items ``{"class":..,"args":[..],"queue":..}``;
* ``timestamps:<item>``: set of the ``delayed:<ts>`` names holding that item.

Recurring schedules are :mod:`resque_interop.scheduler.schedules` (``client.schedules``);
resque-scheduler's schedule hooks are not run.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..errors import DecodeError, NoQueueError
from ..failure.info import FailureInfo
from ..schema.keys import delayed_name
from ..schema.readable import to_int
from ..store.delayed_store import OTHER_MASTER
from ..store.pipeline import Pipeline
from . import selection
from .selection import Match

if TYPE_CHECKING:
    from .protocols import SchedulerClient

When = datetime | float | int


def epoch_seconds(when: When) -> int:
    """Whole epoch seconds, as Ruby's ``Time#to_i`` (naive datetimes are local time)."""
    value = when.timestamp() if isinstance(when, datetime) else float(when)
    return math.floor(value)


class DelayedQueue:
    """resque-scheduler's delayed queue over one client (``client.delayed``)."""

    def __init__(self, client: SchedulerClient) -> None:
        self.client = client

    # -- delaying -----------------------------------------------------------
    def enqueue_at(self, when: When, job: Any, *args: Any) -> bool | None:
        """Run ``job`` at ``when`` on its registered queue (``Resque.enqueue_at``); a time
        not in the future enqueues now, as Ruby does."""
        queue = self.client.queue_for(job)
        if queue is None:
            name = self.client.job_name(job)
            raise NoQueueError(f"No queue could be inferred for class {name}; use enqueue_at_with_queue")
        return self.enqueue_at_with_queue(queue, when, job, *args)

    def enqueue_at_with_queue(self, queue: str, when: When, job: Any, *args: Any) -> bool | None:
        """``Resque.enqueue_at_with_queue``; ``job`` is a registered job or a class name."""
        timestamp = epoch_seconds(when)
        if self.client.inline or is_due(timestamp):
            return self.client.enqueue_to(queue, job, *args)
        self.delayed_push(timestamp, self._item(queue, job, args))
        return True

    def enqueue_in(self, seconds: float, job: Any, *args: Any) -> bool | None:
        """``Resque.enqueue_in``: ``seconds`` from now."""
        return self.enqueue_at(time.time() + delay_seconds(seconds), job, *args)

    def enqueue_in_with_queue(self, queue: str, seconds: float, job: Any, *args: Any) -> bool | None:
        """``Resque.enqueue_in_with_queue``."""
        return self.enqueue_at_with_queue(queue, time.time() + delay_seconds(seconds), job, *args)

    def delayed_push(self, when: When, item: dict[str, Any]) -> None:
        """Store ``item`` (``{"class", "args", "queue"}``) under ``when`` as is."""
        self.client.store.delayed.push(epoch_seconds(when), self.client.codec.encode(item, wrapped=True))

    # -- finding and removing -----------------------------------------------
    def remove_delayed(self, job: Any, *args: Any, queue: str | None = None) -> int:
        """Remove every delayed copy of ``job`` with exactly these args; the count.
        The queue is part of the match (Ruby: ``queue_from_class``, or null)."""
        return self.client.store.delayed.remove(self._encoded(job, args, queue))

    def scheduled_at(self, job: Any, *args: Any, queue: str | None = None) -> list[int]:
        """The timestamps at which this job with these args is delayed."""
        names = self.client.store.delayed.item_timestamps(self._encoded(job, args, queue))
        return sorted(int(n.rpartition(":")[2]) for n in names)

    def is_delayed(self, job: Any, *args: Any, queue: str | None = None) -> bool:
        """``Resque.delayed?``."""
        return bool(self.scheduled_at(job, *args, queue=queue))

    # -- selections (resque-scheduler's *_delayed_selection) ---------------------
    def find_delayed_selection(self, match: Match, job: Any = None) -> list[str]:
        """The delayed items (encoded, as Ruby returns them) of ``job``'s class (any when
        None) whose args ``match`` selects; ``selection.args_contain`` builds a match."""
        return [item.decode("utf-8", "replace") for item in self._selected(match, job)]

    def remove_delayed_selection(self, match: Match, job: Any = None) -> int:
        """Remove the selected items from every timestamp; how many were removed."""
        return sum(self.client.store.delayed.remove(item) for item in self._selected(match, job))

    def enqueue_delayed_selection(self, match: Match, job: Any = None) -> int:
        """Queue the selected items now, each copy once, as the scheduler would when due
        (each item leaves its lists and reaches its queue in one MULTI); how many."""
        return sum(self.client.store.delayed.take(item, self._route) for item in self._selected(match, job))

    def _selected(self, match: Match, job: Any) -> list[bytes]:
        return selection.find(self.client, match, None if job is None else self.client.job_name(job))

    def schedule_size(self) -> int:
        """How many timestamps hold jobs (``delayed_queue_schedule_size``)."""
        return self.client.store.delayed.schedule_size()

    def count_all(self) -> int:
        """How many delayed jobs there are (``count_all_scheduled_jobs``)."""
        store = self.client.store
        return sum(store.delayed.sizes(store.delayed.timestamps()))

    def peek(self, start: int = 0, count: int = 1) -> list[int]:
        """Timestamps in order (``delayed_queue_peek``)."""
        return self.client.store.delayed.timestamps(start, start + count - 1)

    def timestamp_size(self, when: When) -> int:
        """``delayed_timestamp_size``."""
        return self.client.store.delayed.size(epoch_seconds(when))

    def timestamp_peek(self, when: When, start: int = 0, count: int = 1) -> list[Any]:
        """The decoded items due at ``when`` (``delayed_timestamp_peek``)."""
        raw = self.client.store.delayed.range(epoch_seconds(when), start, count)
        return [self.client.codec.decode(item) for item in raw]

    # -- moving due jobs ------------------------------------------------------
    def enqueue_due(self, at: When | None = None, batch: int = 100, holder: str = "") -> int:
        """Move every job due at ``at`` (now) to its queue, as the scheduler's
        ``handle_delayed_items``; returns how many were taken. An item that cannot
        be queued (not JSON, no queue) becomes a failure holding it, not a loss.

        Exactly once beside resque-scheduler: nothing is moved while a scheduler
        other than ``holder`` (the master-lock value this process holds, if any)
        holds the master lock, checked atomically with each batch, because a Ruby
        master must be the only writer of the lists it moves (docs/interop.md)."""
        now = epoch_seconds(time.time() if at is None else at)
        lock_key, moved = master_lock_key(self.client), 0
        while (timestamp := self.client.store.delayed.next_timestamp(now)) is not None:
            taken, done = self._move(timestamp, batch, lock_key, holder)
            moved += taken
            if not done:
                break  # another scheduler is master: it moves them
        return moved

    def enqueue_timestamp(self, when: When, batch: int = 100) -> int:
        """Queue every job of one timestamp now, due or not (resque-web's "Queue now").
        A timestamp already due is left to the master when another scheduler holds the
        lock (it is moving it); one still in the future is nobody else's to move."""
        timestamp = epoch_seconds(when)
        due = timestamp <= int(time.time()) + 1  # a second's margin for clocks a little apart
        return self._move(timestamp, batch, master_lock_key(self.client) if due else None, "")[0]

    def enqueue_item(self, when: When, item: bytes) -> int | None:
        """Queue one encoded item of the timestamp ``when`` now (the Retry tab's "Queue now"),
        as :meth:`enqueue_delayed_selection` queues each item it selects: every copy leaves its
        lists and reaches its queue once, in one MULTI. 0 when the item is no longer at
        ``when`` (moved or removed: nothing touched); None, nothing touched, when it is due
        and a scheduler holds the master lock (it is moving it, as :meth:`enqueue_timestamp`)."""
        timestamp = epoch_seconds(when)
        store = self.client.store
        held_at = store.delayed.item_timestamps(item)
        if delayed_name(timestamp) not in held_at:
            return 0
        due = timestamp <= int(time.time()) + 1  # a second's margin for clocks a little apart
        if due and store.schedules.lock_holder(master_lock_key(self.client)) is not None:
            return None
        queued = store.delayed.take(item, self._route)
        for name in held_at:  # a timestamp left empty leaves the schedule (as removing at it does)
            if (stamp := to_int(name.partition(":")[2])) is not None:
                store.delayed.clean_up(stamp)
        return queued

    def enqueue_items(self, entries: Iterable[tuple[When, bytes]]) -> tuple[int, int, int]:
        """:meth:`enqueue_item` for each (timestamp, item) (the Retry tab's "Queue these"):
        (how many queued, how many were no longer there, how many left to the master)."""
        queued = gone = left = 0
        for when, item in entries:
            result = self.enqueue_item(when, item)
            if result is None:
                left += 1
            elif result:
                queued += result
            else:
                gone += 1
        return queued, gone, left

    def _move(self, timestamp: int, batch: int, lock_key: str | None, holder: str) -> tuple[int, bool]:
        """Batches off one timestamp until it is empty: (moved, True), or (moved, False)
        when another scheduler holds the lock."""
        moved = 0
        while True:
            taken = self.client.store.delayed.move_batch(timestamp, batch, self._route, lock_key, holder)
            if taken == OTHER_MASTER:
                return moved, False
            moved += max(taken, 0)
            if 0 <= taken < batch:
                return moved, True

    def remove_at(self, when: When, item: bytes) -> int:
        """Remove one encoded item from one timestamp (resque-web's "Cancel")."""
        return self.client.store.delayed.remove_at(epoch_seconds(when), item)

    def clear(self) -> None:
        """Delete every delayed job (``reset_delayed_queue``)."""
        self.client.store.delayed.reset()

    def _route(self, item: bytes, pipe: Pipeline) -> None:
        """Queue one delayed item in ``pipe`` as resque-scheduler's ``enqueue_from_config``
        (``Job.create``: class and args only, no enqueue hooks)."""
        client = self.client
        config: Any = None
        try:
            config = client.codec.decode(item)
            if not isinstance(config, dict) or not isinstance(config.get("class"), str) or not config["class"]:
                raise DecodeError("a delayed item must be an object with a class name", item)
            name = config["class"]
            queue = config.get("queue") or client.queue_for(name)
            if not queue:
                raise NoQueueError(f"No queue could be inferred for class {name}")
            args = config.get("args")
            params = [args] if isinstance(args, dict) else [] if args is None else args
            params = params if isinstance(params, list) else [params]
            data = client.codec.encode_job(name, params)
        except Exception as exc:  # noqa: BLE001 - whatever it is, the item is kept as a failure
            payload = config if isinstance(config, dict) else item.decode("utf-8", "backslashreplace")
            client.save_failure(FailureInfo.from_exception(exc, payload, "", ""), pipe)
            return
        client.store.queues.push_in(pipe, str(queue), data)

    # -- helpers ----------------------------------------------------------------
    def _item(self, queue: str | None, job: Any, args: tuple[Any, ...]) -> dict[str, Any]:
        return delayed_item(self.client.job_name(job), self.client.job_args(job, args), queue)

    def _encoded(self, job: Any, args: tuple[Any, ...], queue: str | None) -> bytes:
        return self.client.codec.encode(self._item(queue or self.client.queue_for(job), job, args), wrapped=True)


def master_lock_key(client: SchedulerClient, prefix: str | None = None) -> str:
    """resque-scheduler's master lock key, with RESQUE_SCHEDULER_MASTER_LOCK_PREFIX as Ruby reads it."""
    prefix = os.environ.get("RESQUE_SCHEDULER_MASTER_LOCK_PREFIX", "") if prefix is None else prefix
    return client.keys.scheduler_master_lock(prefix)


def is_due(timestamp: int) -> bool:
    """A time not in the future: resque-scheduler enqueues such a job at once."""
    return timestamp <= int(time.time())


def delayed_item(class_name: str, args: Sequence[Any], queue: str | None) -> dict[str, Any]:
    """resque-scheduler's ``job_to_hash_with_queue``: class, args, queue, in that order."""
    return {"class": class_name, "args": list(args), "queue": queue}


def delay_seconds(value: float) -> float:
    """``enqueue_in``'s delay, checked as resque-scheduler checks it."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError("Please supply a numeric number of seconds")
    return float(value)
