"""The recurring half of the scheduler: which schedules this process has loaded,
when each fires next, and firing them as resque-scheduler's master does.

Only the master may fire (:class:`~resque_interop.scheduler.scheduler.Scheduler` decides);
this module keeps the loaded set in step with resque-scheduler's rules:
static schedules (the YAML file) and persistent ones (Redis, read at start and on
each full load whether or not the scheduler is dynamic, as resque-scheduler
does) merged, a persisted name winning; ``rails_env``/``env`` honoured; a dynamic
scheduler re-reading ``persistent_schedules`` each round and, as master, draining
``schedules_changed``. An entry with no queue to put its job on is skipped. A config
that cannot be used is logged and skipped, never raised: one bad entry written
to Redis by anyone must not stop the others from firing.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import redis

from ..runtime.logfmt import format_error
from ..schema.timefmt import started_at
from .schedule_times import Every, ScheduleSyntaxError
from .schedules import (
    Entry,
    compile_entry,
    enqueue_from_config,
    env_matches,
    prepare,
    unresolved_queue,
)

if TYPE_CHECKING:
    from .scheduling_client import SchedulingClient

log = logging.getLogger("resque_interop.scheduler")


@dataclass
class Loaded:
    entry: Entry
    next_at: float


class Recurring:
    """The schedules one scheduler process fires."""

    def __init__(self, client: SchedulingClient, env: str | None = None, dynamic: bool = False) -> None:
        self.client = client
        self.env = env
        self.dynamic = dynamic
        self.jobs: dict[str, Loaded] = {}
        self.skipped: dict[str, str] = {}  # name -> why it is not loaded
        self._sources: dict[str, bytes] = {}  # name -> its config as last loaded (or skipped)
        self._persistent: dict[str, dict[str, Any]] = {}
        # name -> (reason, config) last logged as skipped, kept across full loads
        self._logged: dict[str, tuple[str, bytes | None]] = {}

    def desired(self, read_redis: bool = True) -> dict[str, dict[str, Any]]:
        """Static schedules merged with the persisted ones (re-read from Redis when asked)."""
        if read_redis:
            try:
                self._persistent, bad = self.client.schedules.persistent()
            except redis.ResponseError as exc:  # persistent_schedules is not a hash: keep what we had
                self._skip("persistent_schedules", f"unreadable ({exc})")
                return {**self.client.schedules.static, **self._persistent}
            for name, why in bad.items():
                self._skip(name, f"its stored config is not usable ({why})")
                self.jobs.pop(name, None)
                self._sources.pop(name, None)
        return {**self.client.schedules.static, **self._persistent}

    def load_all(self, now: float, clear_changed: bool = False) -> None:
        """Forget everything and load every schedule afresh (a master change, or start)."""
        self.jobs, self.skipped, self._sources = {}, {}, {}
        for name, config in self.desired().items():
            self._load(name, config, now)
        if clear_changed and self.dynamic:
            self.client.store.schedules.clear_changed()

    def refresh(self, now: float, master: bool) -> None:
        """A dynamic scheduler's round: re-read the persisted schedules, reload the ones that
        changed and drop the removed ones. The master also drains ``schedules_changed``,
        reloading each name there even if its config looks the same (resque-scheduler's
        ``update_schedule``); a standby leaves that set to the master."""
        if not self.dynamic:
            return
        changed: set[str] = set()
        if master:
            try:
                while (name := self.client.store.schedules.pop_changed()) is not None:
                    changed.add(name)
            except redis.ResponseError as exc:  # schedules_changed is not a set: full re-read below
                log.error("cannot read schedules_changed: %s", exc)
        desired = self.desired()
        for name in list(self._sources):
            if name not in desired:
                if self.jobs.pop(name, None) is not None:
                    log.info("removing schedule %s", name)
                self.skipped.pop(name, None)
                del self._sources[name]
        for name, config in desired.items():
            if name in changed or self._sources.get(name) != self._encode(config):
                self.jobs.pop(name, None)
                self.skipped.pop(name, None)
                self._load(name, config, now)

    def origin(self, name: str) -> str:
        """Where a schedule comes from: ``Redis`` (persistent_schedules) or ``static``."""
        return "Redis" if name in self._persistent else "static"

    def counts(self) -> tuple[int, int]:
        """How many loaded schedules are static and how many come from Redis."""
        from_redis = sum(1 for name in self.jobs if name in self._persistent)
        return len(self.jobs) - from_redis, from_redis

    def next_due(self) -> float | None:
        """The earliest time a loaded schedule fires."""
        return min((job.next_at for job in self.jobs.values()), default=None)

    def fire_due(self, now: float) -> list[str]:
        """Fire every schedule due at ``now`` (once each, however many ticks were missed, as
        rufus does) and write ``delayed:last_enqueued_at``; the names fired."""
        fired = []
        for name, job in list(self.jobs.items()):
            if job.next_at > now:
                continue
            self.fire(name, job.entry.config, now)
            fired.append(name)
            try:
                job.next_at = self._next(job, now)
            except ScheduleSyntaxError as exc:  # fugit fails here too (CronEvaluationError): rufus drops the job
                del self.jobs[name]
                self._skip(name, str(exc))
        return fired

    @staticmethod
    def _next(job: Loaded, now: float) -> float:
        """rufus-scheduler's next time: an interval keeps its phase, skipping the ticks
        already missed (``discard_past``); a cron line resumes from now."""
        trigger = job.entry.trigger
        if isinstance(trigger, Every):
            missed = math.floor((now - job.next_at) / trigger.seconds) + 1
            return job.next_at + max(missed, 1) * trigger.seconds
        return trigger.next_after(now)

    def fire(self, name: str, config: dict[str, Any], now: float) -> None:
        """resque-scheduler's ``enqueue_recurring``: queue the job (a failure is logged, not
        raised) and record when, whether or not it could be queued, as Ruby does."""
        log.info("queueing %s (%s)", config.get("class"), name)
        try:
            enqueue_from_config(self.client, prepare(name, config))
        except Exception as exc:  # noqa: BLE001 - resque-scheduler's failure handler logs and goes on
            log.error("could not queue schedule %s: %s", name, format_error(exc))
        self.client.store.schedules.set_last_enqueued_at(name, started_at(now))  # Ruby's Time.now.to_s

    def _load(self, name: str, config: dict[str, Any], now: float) -> None:
        self._sources[name] = self._encode(config)
        if not env_matches(config, self.env):
            self.skipped[name] = (f"for env {config.get('rails_env') or config.get('env')} only "
                                  f"({f'this is {self.env}' if self.env else 'no env set: -E / RAILS_ENV'})")
            log.debug("skipping schedule %s: %s", name, self.skipped[name])
            return
        try:
            entry = compile_entry(name, config)
            next_at = None if entry is None else entry.first_run(now)
        except (ScheduleSyntaxError, TypeError, ValueError, OverflowError) as exc:
            self._skip(name, str(exc))
            return
        if entry is None or next_at is None:
            self.skipped[name] = "no cron / every"
            log.info("no cron / every found for %s (%s) - skipping", config.get("class"), name)
            return
        no_queue = unresolved_queue(self.client, name, entry.config)
        if no_queue:  # it would fail on every tick: skipped, and logged once per change
            self._skip(name, no_queue)
            return
        self.jobs[name] = Loaded(entry, next_at)
        self._logged.pop(name, None)
        log.debug("scheduling %s (%s)", name, entry.interval)

    def _skip(self, name: str, why: str) -> None:
        logged = (why, self._sources.get(name))
        if self._logged.get(name) != logged:  # one line per change, not one per load or round
            log.error("skipping schedule %s: %s", name, why)
            self._logged[name] = logged
        self.skipped[name] = why

    def _encode(self, config: dict[str, Any]) -> bytes:
        try:
            return self.client.codec.encode(config)
        except (TypeError, ValueError):
            return repr(config).encode()
