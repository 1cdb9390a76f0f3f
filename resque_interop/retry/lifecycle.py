"""A retried job's life, in resque-retry 1.8.1's order of operations.

* before the perform (``before_perform_retry``): SETNX the counter to -1, INCR it (the
  attempt number: 0 for the first run), EXPIRE it when ``expire_key_after`` is set;
* after a success (``after_perform_retry``): DEL the counter;
* after a failure (``on_failure_retry``, then MultipleWithRetrySuppression's ``save``):
  a dirty exit (or a timeout) reads the attempt from Redis (the process that ran it is
  gone); an ignored exception DECRs; then either ``try_again`` (SETNX -1, enqueue the
  retry: a plain push when the delay is <= 0, else resque-scheduler's delayed queue;
  DEL when delegated) or ``give_up`` (DEL); then, while the counter stays, the failure is
  kept out of the failed list and its details are SETEX'd to ``failure-<key>`` for twice
  the delay; otherwise ``failure-<key>`` is deleted and the failure saved as usual.

Every write of the failure step goes into the ``writes`` the worker sends with the job's
finish in one MULTI/EXEC: a dirty exit whose child had already recorded its outcome
(resque-retry issue #177) writes nothing, and a lost reply never doubles a retry.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import redis

from ..errors import DirtyExit
from ..failure.info import FailureInfo
from ..scheduler.delayed import delayed_item
from ..schema import timefmt
from ..schema.codec import Codec
from ..schema.keys import Keys
from ..schema.ruby_join import retry_key_name
from ..store.datastore import DataStore
from ..store.pipeline import CommandLog
from ..store.retry_store import RetryStore
from .policy import Retry

log = logging.getLogger("resque_interop.retry")

#: ``(kind, queue, class_name, args) -> allowed``: runs the ``before_enqueue`` or
#: ``after_enqueue`` hooks of a plain (undelayed) retry, as ``Resque.enqueue_to`` does.
EnqueueHooks = Callable[[str, str, str, list[Any]], bool]


class RetryClient(Protocol):
    """What the retry steps use of the client (``Resque`` satisfies it)."""

    @property
    def keys(self) -> Keys: ...

    @property
    def codec(self) -> Codec: ...

    @property
    def redis(self) -> Any: ...

    @property
    def store(self) -> DataStore: ...


class RetriedJob(Protocol):
    """What the retry steps use of a job."""

    queue: str
    payload: Any
    worker_id: str

    @property
    def class_name(self) -> str | None: ...

    @property
    def args(self) -> list[Any]: ...


class Decision:
    """What a failure decided; counted by the worker's metrics."""

    RETRIED = "retried"
    GAVE_UP = "gave_up"


def retry_key(client: RetryClient, policy: Retry, class_name: str, args: Sequence[Any]) -> str:
    """The namespaced ``resque-retry:<Class>:<digest>`` of a job."""
    if policy.identifier is not None:
        ident = policy.identifier(*args)
        name = ":".join(p for p in ("resque-retry", class_name, ident) if p is not None)  # Ruby: compact
        return client.keys.raw("".join(name.split()))
    return client.keys.raw(retry_key_name(class_name, args, policy.key_hash_style))


def store_of(client: RetryClient) -> RetryStore:
    """The retry keys' store for ``client``."""
    return RetryStore(client.redis, client.keys)


def begin_attempt(client: RetryClient, policy: Retry, class_name: str, args: Sequence[Any]) -> int:
    """``before_perform_retry``; the attempt number (0 for the first run)."""
    store = store_of(client)
    key = retry_key(client, policy, class_name, args)
    attempt = store.begin_attempt(key)
    if policy.expire_key_after is not None:
        # Ruby adds retry_delay(exception_class) for a class named by args[0], which a
        # JSON argument never is: the delay without an exception
        store.expire(key, int(policy.delay_for(None, attempt) + policy.expire_key_after))
    return attempt


def succeeded(client: RetryClient, policy: Retry, class_name: str, args: Sequence[Any]) -> None:
    """``after_perform_retry``: DEL the counter."""
    store_of(client).clear(retry_key(client, policy, class_name, args))


def on_failure(
    client: RetryClient,
    policy: Retry,
    job: RetriedJob,
    exc: BaseException,
    attempt: int | None,
    info: FailureInfo,
    writes: CommandLog,
    default_queue: str | None,
    enqueue_hooks: EnqueueHooks | None = None,
) -> tuple[str, bool]:
    """Decide and record (into ``writes``) a failed attempt: ``(decision, suppressed)``;
    ``suppressed`` True means the failure must not reach the failure backend.
    ``attempt`` is the number this process's ``begin_attempt`` returned (None when it did
    not run here: a dirty exit, a timeout, a failure before the perform)."""
    class_name = job.class_name or ""
    args = list(job.args)
    store = store_of(client)
    key = retry_key(client, policy, class_name, args)
    if attempt is None or isinstance(exc, DirtyExit):
        attempt = _read_attempt(store, key)
    if policy.ignores(exc):
        attempt -= 1
        store.log_decrement(writes, key)
    delay = 0.0
    if policy.should_retry(exc, attempt, args):
        decision, retrying = Decision.RETRIED, policy.delegate is None
        for callback in policy.on_retry:
            callback(exc, *args)
        delay = policy.delay_for(exc, attempt)
        target_class = policy.delegate or class_name
        queue = policy.queue_for(exc, args) or default_queue or job.queue
        store.log_mark_retrying(writes, key)
        retry_args = policy.retry_args(exc, args)
        if delay <= 0:
            if enqueue_hooks is None or enqueue_hooks("before_enqueue", queue, target_class, retry_args):
                store.log_enqueue(writes, queue, client.codec.encode_job(target_class, retry_args))
                if enqueue_hooks is not None:
                    enqueue_hooks("after_enqueue", queue, target_class, retry_args)
        else:
            item = delayed_item(target_class, retry_args, queue)
            store.log_delayed_push(writes, int(time.time() + delay), client.codec.encode(item, wrapped=True))
        if policy.delegate is not None:
            store.log_clear(writes, key)
        log.info("retrying %s %s (attempt %d) in %ss on %s", class_name, args, attempt, delay, queue)
    else:
        decision, retrying = Decision.GAVE_UP, False
        for callback in policy.on_give_up:
            callback(exc, *args)
        store.log_clear(writes, key)
        log.info("giving up on %s %s after attempt %d", class_name, args, attempt)
    if not policy.suppress_failures:
        return decision, False
    if retrying:
        if delay > 0:
            store.log_failure_details(writes, key, int(2 * delay), failure_details(client, info))
        return decision, True
    store.log_clear_failure_details(writes, key)
    return decision, False


#: How long a failure waits for Redis to read an attempt the process that ran it took along
#: (a dirty exit, a timeout); past it the failure is recorded as an ordinary one.
ATTEMPT_READ_PATIENCE = 60.0


def _read_attempt(store: RetryStore, key: str) -> int:
    """GET the counter, retried with back-off while Redis is away (the outcome waits anyway)."""
    deadline = time.monotonic() + ATTEMPT_READ_PATIENCE
    delay = 0.1
    while True:
        try:
            return store.attempt(key)
        except (redis.ConnectionError, redis.TimeoutError):
            if time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


def failure_details(client: RetryClient, info: FailureInfo) -> bytes:
    """MultipleWithRetrySuppression's JSON: failed_at (local, no zone), payload, exception,
    error, backtrace, worker, queue, in that order."""
    return client.codec.encode({
        "failed_at": timefmt.failed_at(zone=False),
        "payload": info.payload,
        "exception": info.exception,
        "error": info.error,
        "backtrace": info.backtrace,
        "worker": info.worker,
        "queue": info.queue,
    })
