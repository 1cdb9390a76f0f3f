"""``Retry``: resque-retry's options in Python names, and the decisions they make.

Every decision is resque-retry 1.8.1's (``Resque::Plugins::Retry`` and
``ExponentialBackoff``); the attempt number is the counter's value after the
``INCR`` that starts a run (0 for the first run), so a job runs at most
``limit + 1`` times.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..schema.ruby_join import HashStyle, fleet_hash_style

#: An exception named by its class, or by a name (``"Timeout::Error"``, ``"ValueError"``,
#: ``"myapp.errors.Busy"``): a name matches a class or any of its bases.
ExceptionSpec = type | str
#: resque-retry's ExponentialBackoff default ``backoff_strategy``, in seconds.
EXPONENTIAL_BACKOFF = (0, 60, 600, 3600, 10800, 21600)


def _names(cls: type) -> set[str]:
    names = {cls.__name__, cls.__qualname__, f"{cls.__module__}.{cls.__qualname__}"}
    ruby = cls.__dict__.get("ruby_name")
    if isinstance(ruby, str):
        names.add(ruby)
    return names


def _matches(spec: ExceptionSpec, cls: type) -> bool:
    """True when ``cls`` is ``spec`` or inherits from it (Ruby's ``ex === exception``)."""
    if isinstance(spec, type):
        return issubclass(cls, spec)
    return any(spec in _names(base) for base in cls.__mro__)


@dataclass(frozen=True)
class Retry:
    """How a job is retried; the Ruby instance variable each option mirrors is in brackets.

    ``limit`` [@retry_limit]: retries after the first run; 0 never, negative forever.
    Default 1, or the length of a ``delay`` list, or the longest delay list in
    ``exceptions``. ``delay`` [@retry_delay / @backoff_strategy]: seconds, or a list of
    seconds per attempt (ExponentialBackoff: the last repeats). ``backoff``
    [@retry_delay_multiplicand_min/max]: a (min, max) factor drawn per retry for a
    ``delay`` list. ``exceptions`` [@retry_exceptions]: the only ones retried, a list or a
    map to a delay (or per-attempt delays; the closest base class matches). ``fatal``
    [@fatal_exceptions]: never retried (not with ``exceptions``). ``ignore``
    [@ignore_exceptions]: retried without counting. ``expire_key_after``
    [@expire_retry_key_after]. ``queue`` [retry_queue]: a name or ``f(exc, *args)``.
    ``delegate`` [@retry_job_delegate]: the class name a retry is enqueued as (its counter
    is then cleared). ``args`` [retry_args_for_exception]: ``f(exc, *args) -> list``.
    ``checks`` [retry_criteria_check]: ``f(exc, *args) -> bool``, asked when the exception
    alone does not allow a retry. ``on_retry`` / ``on_give_up`` [try_again_callback /
    give_up_callback]. ``identifier`` [retry_identifier]: ``f(*args) -> str | None``.
    ``suppress_failures``: MultipleWithRetrySuppression (on by default): a failure that is
    retried stays out of the failed list. ``hash_style``: Ruby's Hash#inspect in the key's
    digest, ``"3.3"`` (``{"a"=>1}``, Ruby up to 3.3) or ``"3.4"``; by default the fleet's
    (``RESQUE_RETRY_HASH_STYLE``, else 3.3).
    """

    limit: int | None = None
    delay: float | Sequence[float] = 0
    backoff: tuple[float, float] = (1.0, 1.0)
    exceptions: Sequence[ExceptionSpec] | Mapping[ExceptionSpec, float | Sequence[float]] | None = None
    fatal: Sequence[ExceptionSpec] | None = None
    ignore: Sequence[ExceptionSpec] = ()
    expire_key_after: float | None = None
    queue: str | Callable[..., str | None] | None = None
    delegate: str | None = None
    args: Callable[..., Sequence[Any]] | None = None
    checks: Sequence[Callable[..., Any]] = ()
    on_retry: Sequence[Callable[..., Any]] = ()
    on_give_up: Sequence[Callable[..., Any]] = ()
    identifier: Callable[..., str | None] | None = None
    suppress_failures: bool = True
    hash_style: HashStyle | None = None
    _random: random.Random = field(default_factory=random.Random, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.exceptions is not None and self.fatal is not None:
            raise ValueError("a Retry takes exceptions or fatal, not both (resque-retry's AmbiguousRetryStrategyException)")
        low, high = self.backoff
        if low > high:
            raise ValueError("backoff: the minimum factor must not exceed the maximum")
        if self.hash_style not in (None, "3.3", "3.4"):
            raise ValueError(f"hash_style must be '3.3' or '3.4', not {self.hash_style!r}")
        if isinstance(self.delay, (str, bytes)):
            raise TypeError("delay is seconds or a list of seconds")

    @property
    def key_hash_style(self) -> HashStyle:
        """The Hash#inspect form this policy's keys use."""
        return self.hash_style or fleet_hash_style()

    @classmethod
    def exponential(cls, **options: Any) -> Retry:
        """ExponentialBackoff's defaults: delays 0, 60, 600, 3600, 10800, 21600 (6 retries)."""
        options.setdefault("delay", EXPONENTIAL_BACKOFF)
        return cls(**options)

    # -- how many ------------------------------------------------------------
    @property
    def retry_limit(self) -> int:
        """``retry_limit``: the option, else 1, the delay list's length, or the longest
        per-exception delay list."""
        if self.limit is not None:
            return int(self.limit)
        if isinstance(self.delay, Sequence):
            return len(self.delay)
        longest = 1
        if isinstance(self.exceptions, Mapping):
            for value in self.exceptions.values():
                if isinstance(value, Sequence) and len(value) > longest:
                    longest = len(value)
        return longest

    def limit_reached(self, attempt: int) -> bool:
        """``retry_limit_reached?``."""
        limit = self.retry_limit
        if limit == 0:
            return True
        return limit > 0 and attempt >= limit

    # -- which exceptions ---------------------------------------------------
    def retries_exception(self, exc: BaseException) -> bool:
        """``retry_exception?``: every exception unless ``exceptions`` or ``fatal`` say otherwise."""
        kind = type(exc)
        if self.exceptions is None and self.fatal is None:
            return True
        if self.fatal is None:
            return any(_matches(spec, kind) for spec in self.exceptions or ())
        return not any(_matches(spec, kind) for spec in self.fatal)

    def ignores(self, exc: BaseException) -> bool:
        """An ``ignore`` exception: its attempt is taken back (DECR). Ruby compares the exact
        class (``include?(exception.class)``), so a subclass is not ignored."""
        kind = type(exc)
        return any(spec is kind if isinstance(spec, type) else spec in _names(kind) for spec in self.ignore)

    def should_retry(self, exc: BaseException, attempt: int, args: Sequence[Any]) -> bool:
        """``retry_criteria_valid?``: under the limit, and the exception or a check allows it."""
        if self.limit_reached(attempt):
            return False
        if self.retries_exception(exc):
            return True
        return any(bool(check(exc, *args)) for check in self.checks)

    # -- when and where -----------------------------------------------------
    def delay_for(self, exc: BaseException | None, attempt: int) -> float:
        """``retry_delay``: the exception's own delay when ``exceptions`` maps it (closest
        base first), else ``delay`` (a list: ExponentialBackoff's, whole seconds)."""
        if exc is not None and isinstance(self.exceptions, Mapping):
            found: float | Sequence[float] = 0
            for base in type(exc).__mro__:
                hit = next((v for k, v in self.exceptions.items() if (k is base if isinstance(k, type) else k in _names(base))), None)
                if hit is not None:
                    found = hit
                    break
            return _pick(found, attempt)
        if isinstance(self.delay, Sequence):
            base_delay = _pick(self.delay, attempt)
            low, high = self.backoff
            factor = high if low == high else self._random.uniform(low, high)
            return float(int(base_delay * factor))
        return float(self.delay)

    def queue_for(self, exc: BaseException, args: Sequence[Any]) -> str | None:
        """``retry_queue``: where the retry goes, None for the job class's queue."""
        if callable(self.queue):
            return self.queue(exc, *args)
        return self.queue

    def retry_args(self, exc: BaseException, args: Sequence[Any]) -> list[Any]:
        """``retry_args_for_exception``: the retry's arguments (the same by default)."""
        return list(self.args(exc, *args)) if self.args is not None else list(args)


def _pick(value: float | Sequence[float], attempt: int) -> float:
    """``delay[retry_attempt] || delay.last`` for a list, else the number."""
    if isinstance(value, Sequence):
        if not value:
            return 0.0
        return float(value[attempt] if 0 <= attempt < len(value) else value[-1])
    return float(value)
