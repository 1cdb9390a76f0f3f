"""A job: a queue name and a payload, and how it is performed and failed.

A payload's class name is resolved through the client's registry only. A
Rails ActiveJob wrapper payload is unwrapped by :mod:`resque_interop.client.activejob`.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from ..errors import DontPerform
from ..failure.info import FailureInfo
from ..retry import lifecycle as retry_steps
from ..retry.policy import Retry
from ..runtime.eventloop import JobLoop, process_loop
from ..runtime.logfmt import bounded, format_args
from ..schema.payloads import ACTIVEJOB_WRAPPER, PayloadView
from ..store.pipeline import CommandLog, Pipeline
from .plugins import job_hooks
from .protocols import JobClient
from .registry import JobSpec

log = logging.getLogger("resque_interop.worker")


class Job(PayloadView):
    """One job taken from (or bound for) a queue."""

    __slots__ = (
        "client", "queue", "payload", "raw", "worker_id", "_failure_hooks_ran", "_resolved", "_loop",
        "retry_attempt", "retry_decision", "_spec", "_spec_found",
    )

    def __init__(
        self, client: JobClient, queue: str, payload: Any, raw: bytes | None = None, worker_id: str = ""
    ) -> None:
        self.client = client
        self.queue = queue
        self.payload = payload
        self.raw = raw
        self.worker_id = worker_id
        self._failure_hooks_ran = False
        self._resolved: tuple[Any, Callable[..., Any], list[Any], dict[str, Any]] | None = None
        #: the attempt number this process's run started (resque-retry's counter), if any
        self.retry_attempt: int | None = None
        #: what a failure decided: "retried", "gave_up", or None (no Retry)
        self.retry_decision: str | None = None
        self._loop: JobLoop | None = None
        self._spec: JobSpec | None = None
        self._spec_found = False

    @property
    def spec(self) -> JobSpec | None:
        """The registered job the payload's class names (None when unknown), looked up once
        and kept: performing, timing, retrying and failing a job read it from here."""
        if not self._spec_found:
            name = self.class_name
            self._spec = self.client.registry.find(name) if isinstance(name, str) else None
            self._spec_found = True
        return self._spec

    def resolve(self) -> tuple[Any, Callable[..., Any], list[Any], dict[str, Any]]:
        """(target, perform, args, kwargs) through the registry; raises for unknown names."""
        if self._resolved is None:
            name = self.class_name
            if name is None:
                raise TypeError(f"payload has no class name: {self.payload!r}")
            if name == ACTIVEJOB_WRAPPER:
                from .activejob import resolve_wrapper

                self._resolved = resolve_wrapper(self.client.registry, self.args)
            else:
                # an unknown class raises registry.get's UnknownJobError, as it always has
                spec = self.spec if self.spec is not None else self.client.registry.get(name)
                args, kwargs = self.args, dict[str, Any]()
                if spec.typed:  # the one test untyped jobs pay
                    args, kwargs = spec.argument_types.convert(args, kwargs)
                self._resolved = (spec.target, spec.perform, args, kwargs)
        return self._resolved

    def perform(self, loop: JobLoop | None = None) -> bool:
        """Run the job with its hooks; returns False when a before hook said DontPerform.
        Exceptions propagate (after the failure hooks ran), as in Ruby. Whatever the job or
        a hook returns that is awaitable (``async def``) is awaited on ``loop`` (the worker's;
        else this process's) before the next step: nothing counts as done unawaited."""
        self._loop = loop = loop or self._loop or process_loop()
        settle = loop.settle
        target, perform, args, kwargs = self.resolve()
        hooks = self.client.hooks
        policy = self.retry_policy
        try:
            try:
                for hook in hooks:
                    settle(hook.before_perform(self))
                for fn in job_hooks(target, "before_perform"):
                    settle(fn(*args, **kwargs))
                if policy is not None:
                    self.retry_attempt = retry_steps.begin_attempt(self.client, policy, self.class_name or "", self.args)
            except DontPerform:
                return False

            # outermost first: the global hooks, then the job's own, then the job
            layers: list[tuple[Callable[..., Any], Callable[[Callable[[], Any]], Any]]] = [
                (hook.around_perform, _global_layer(hook, self)) for hook in hooks
            ]
            layers += [(fn, _job_layer(fn, args, kwargs)) for fn in job_hooks(target, "around_perform")]
            _AroundChain(loop, layers, lambda: _call_job(perform, args, kwargs)).run()

            if policy is not None:
                retry_steps.succeeded(self.client, policy, self.class_name or "", self.args)
            for fn in job_hooks(target, "after_perform"):
                settle(fn(*args, **kwargs))
            for hook in hooks:
                settle(hook.after_perform(self))
            return True
        except BaseException as exc:
            self.run_failure_hooks(exc)
            raise

    def run_failure_hooks(self, exc: BaseException) -> None:
        """Per-job ``on_failure*`` and global ``on_failure`` hooks, once."""
        if self._failure_hooks_ran:
            return
        self._failure_hooks_ran = True
        settle = (self._loop or process_loop()).settle
        try:
            target, _, args, kwargs = self.resolve()
        except Exception:  # noqa: BLE001 - an unknown class has no hooks to run
            target, args, kwargs = None, self.args, {}
        for fn in job_hooks(target, "on_failure"):
            settle(fn(exc, *args, **kwargs))
        for hook in self.client.hooks:
            settle(hook.on_failure(self, exc))

    def fail(self, exc: BaseException, pipe: Pipeline | None = None) -> None:
        """Record ``exc`` through the failure backend (hooks first, as Ruby)."""
        try:
            self.run_failure_hooks(exc)
        finally:
            self.save_failure(exc, pipe)

    def save_failure(self, exc: BaseException, pipe: Pipeline | None = None) -> None:
        """Record ``exc`` without running hooks: through the job's Retry when it has one
        (which may retry it and keep it out of the failure backend), else the backend."""
        info = FailureInfo.from_exception(exc, self.payload, self.worker_id, self.queue, cut_after=__file__,
                                          callee=self._refused_by(exc))
        if not self._retry_failure(exc, info, pipe):
            self.client.save_failure(info, pipe)

    def _refused_by(self, exc: BaseException) -> Callable[..., Any] | None:
        """The job's callable when calling it raised ``exc`` itself (the wrong arguments),
        so the backtrace can name its definition; None for anything raised further in."""
        tb = exc.__traceback__
        if tb is None or self._resolved is None:
            return None
        while tb.tb_next is not None:
            tb = tb.tb_next
        return self._resolved[1] if tb.tb_frame.f_code is _call_job.__code__ else None

    @property
    def retry_policy(self) -> Retry | None:
        """The registered job's :class:`~resque_interop.Retry` (None inline, as Ruby)."""
        if self.client.inline or self.class_name in (None, ACTIVEJOB_WRAPPER):
            return None
        spec = self.spec
        return spec.retry if spec is not None else None

    def _retry_failure(self, exc: BaseException, info: FailureInfo, pipe: Pipeline | None) -> bool:
        """resque-retry's failure step; True when the failure stays out of the backend.
        Its writes join ``pipe`` (the worker's outcome) or are sent at once in a MULTI."""
        policy = self.retry_policy
        if policy is None:
            return False
        own = CommandLog()  # joins ``pipe`` only when the whole decision was made
        delegate = self.client.registry.find(policy.delegate) if policy.delegate else None
        spec = delegate or self.spec
        target = spec.target if spec is not None else None

        def enqueue_hooks(kind: str, queue: str, name: str, args: list[Any]) -> bool:
            return all(r is not False for r in self.client.run_enqueue_hooks(kind, target, queue, name, args))

        try:
            self.retry_decision, suppressed = retry_steps.on_failure(
                self.client, policy, self, exc, self.retry_attempt, info, own,
                spec.queue if spec is not None else None, enqueue_hooks,
            )
        except Exception as err:  # noqa: BLE001 - a raising callback or hook, Redis gone: keep the failure
            log.error("the Retry of %r could not decide (%s): recorded as an ordinary failure", self, err)
            self.retry_decision = None
            return False
        if isinstance(pipe, CommandLog):
            pipe.commands.extend(own.commands)
        elif pipe is None:
            self.client.store.apply(own)
        else:
            own.replay(pipe)
        for hook in self.client.hooks:
            decided = getattr(hook, "retry_decided", None)
            try:
                if decided is not None:
                    decided(self, exc, self.retry_decision)
            except Exception as err:  # noqa: BLE001 - a hook's bug must not undo the decision
                log.error("retry_decided hook %r raised: %s", hook, err)
        return suppressed

    def __repr__(self) -> str:
        return f"(Job{{{bounded(self.queue)}}} | {bounded(str(self.class_name))} | {format_args(self.args)})"


def _call_job(perform: Callable[..., Any], args: list[Any], kwargs: dict[str, Any]) -> Any:
    # the one frame that calls the job: an exception whose innermost frame is this one was
    # raised by the call itself (see Job._refused_by)
    return perform(*args, **kwargs)


def _job_layer(fn: Callable[..., Any], args: list[Any], kwargs: dict[str, Any]) -> Callable[[Callable[[], Any]], Any]:
    # Ruby's around hooks receive the args and a block; ours receive a callable
    # that runs the rest of the chain, then the args.
    return lambda call: fn(call, *args, **kwargs)


def _global_layer(hook: Any, job: Job) -> Callable[[Callable[[], Any]], Any]:
    return lambda call: hook.around_perform(job, call)


class _AroundChain:
    """The around hooks and the job, each layer given ``call`` for the rest of the chain.

    A layer runs synchronously and ``call()`` returns the rest's result, until an
    ``async def`` around hook runs: its ``call()`` returns a coroutine it must await, and
    within it synchronous layers (and the job) run in a helper thread, so that their
    ``call()`` and their awaitables still complete before they go on."""

    def __init__(self, loop: JobLoop, layers: list[tuple[Callable[..., Any], Callable[[Callable[[], Any]], Any]]],
                 core: Callable[[], Any]) -> None:
        self.loop = loop
        self.layers = layers
        self.core = core

    def run(self) -> Any:
        return self._sync(0)

    def _call(self, index: int) -> tuple[Callable[[], Any], list[Coroutine[Any, Any, Any]]]:
        handed: list[Coroutine[Any, Any, Any]] = []

        def call() -> Any:
            if self.loop.inside():  # from an async hook's body: it awaits the rest
                coro = self._async(index)
                handed.append(coro)
                return coro
            return self._sync(index)

        return call, handed

    def _check_awaited(self, index: int, handed: list[Coroutine[Any, Any, Any]]) -> None:
        for coro in handed:
            if inspect.getcoroutinestate(coro) == inspect.CORO_CREATED:
                coro.close()
                raise RuntimeError(f"around_perform hook {self.layers[index][0]!r} called call() without "
                                   "awaiting it, so the job did not run: an async hook must `await call()`")

    def _sync(self, index: int) -> Any:
        if index == len(self.layers):
            return self.loop.settle(self.core())
        call, handed = self._call(index + 1)
        result = self.loop.settle(self.layers[index][1](call))
        self._check_awaited(index, handed)
        return result

    async def _async(self, index: int) -> Any:
        if index == len(self.layers):
            return await self.loop.in_thread(lambda: self.loop.settle(self.core()))
        hook, layer = self.layers[index]
        call, handed = self._call(index + 1)
        if inspect.iscoroutinefunction(hook):
            result = await layer(call)
        else:
            result = await self.loop.in_thread(lambda: self.loop.settle(layer(call)))
        self._check_awaited(index, handed)
        return result
