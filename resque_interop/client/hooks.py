"""Hooks: a base class of no-op methods that plugins override.

Ruby Resque has two kinds of hooks, and so do we:

* global hooks (``Resque.before_fork = ...``): subclass :class:`Hooks`, override
  what you need and pass an instance to ``Resque(hooks=[...])``;
  (or ``register_hooks(MyHooks())`` in the module ``-A/--app`` imports: every
  client built without ``hooks=`` uses those, as Ruby's global hooks);
* per-job hooks (Resque::Plugin): methods on a registered job *class* whose
  names start with ``before_enqueue``, ``after_enqueue``, ``before_dequeue``,
  ``after_dequeue``, ``before_perform``, ``around_perform``, ``after_perform``
  or ``on_failure``, found by prefix and run in name order, as Ruby does.

The perform hooks and the worker hooks may be ``async def`` (as the job may): the worker
awaits each on its event loop before it goes on. An async ``around_perform`` must
``await call()``; a synchronous one just calls it. The enqueue and dequeue hooks run in
the producer and stay synchronous.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from .job import Job

#: The :class:`resque_interop.worker.Worker` a worker hook runs in. Hooks belong to the client
#: layer, below the worker, so they cannot name it; a subclass may annotate ``Worker`` itself.
AnyWorker: TypeAlias = Any

#: What a hook returns: nothing, or (an ``async def`` hook) something the worker awaits on its
#: event loop before it goes on.
MaybeAwaitable: TypeAlias = "Awaitable[None] | None"



class Hooks:
    """Global hooks. Every method is a no-op; override the ones you need."""

    def before_enqueue(self, queue: str, class_name: str, args: list[Any]) -> bool | None:
        """Before a job is pushed; returning ``False`` cancels the enqueue."""
        return None

    def after_enqueue(self, queue: str, class_name: str, args: list[Any]) -> None:
        """After a job was pushed."""

    def before_dequeue(self, queue: str, class_name: str, args: list[Any]) -> bool | None:
        """Before ``dequeue``; returning ``False`` cancels it."""
        return None

    def after_dequeue(self, queue: str, class_name: str, args: list[Any]) -> None:
        """After ``dequeue``."""

    def before_first_fork(self, worker: AnyWorker) -> MaybeAwaitable:
        """Once per worker, in the parent, before the first job."""

    def before_fork(self, worker: AnyWorker, job: Job) -> MaybeAwaitable:
        """In the parent, before forking the child for ``job``."""

    def after_fork(self, worker: AnyWorker, job: Job) -> MaybeAwaitable:
        """In the child, after the fork, before the job runs."""

    def before_perform(self, job: Job) -> MaybeAwaitable:
        """Before every job; raise :class:`~resque_interop.errors.DontPerform` to skip it."""

    def around_perform(self, job: Job, call: Callable[[], Any]) -> Any:
        """Around every job; must call ``call()`` for the job to run."""
        return call()

    def after_perform(self, job: Job) -> MaybeAwaitable:
        """After a job that succeeded."""

    def on_failure(self, job: Job, exc: BaseException) -> MaybeAwaitable:
        """After a job failed, before the failure is saved."""

    def retry_decided(self, job: Job, exc: BaseException, decision: str) -> None:
        """After a job's :class:`~resque_interop.Retry` decided on a failure: ``"retried"`` or
        ``"gave_up"`` (in the process that recorded the failure)."""

    def queue_empty(self, worker: AnyWorker) -> MaybeAwaitable:
        """When a worker goes from working to idle."""

    def worker_exit(self, worker: AnyWorker) -> MaybeAwaitable:
        """When a worker has unregistered."""

    def shutdown(self, worker: AnyWorker) -> MaybeAwaitable:
        """When a worker is asked to shut down."""

    def before_pause(self, worker: AnyWorker) -> MaybeAwaitable:
        """When a worker receives USR2."""

    def after_pause(self, worker: AnyWorker) -> MaybeAwaitable:
        """When a worker receives CONT."""


#: Hooks that clients built without ``hooks=`` use (the convenience default,
#: like the default registry): what ``Resque.before_fork = ...`` is in Ruby.
default_hooks: list[Hooks] = []


def register_hooks(hooks: Hooks) -> Hooks:
    """Add ``hooks`` to the default hooks; returns it (usable as a class decorator's result)."""
    default_hooks.append(hooks)
    return hooks
