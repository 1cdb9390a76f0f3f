"""A job: a queue name and a payload, and how it is performed and failed.

A payload's class name is resolved through the client's registry only. A
Rails ActiveJob wrapper payload is unwrapped by :mod:`resque_interop.activejob`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import DontPerform
from .failure.base import FailureInfo
from .hooks import job_hooks
from .runtime.logfmt import bounded, format_args
from .schema.payloads import ACTIVEJOB_WRAPPER, PayloadView

if TYPE_CHECKING:
    from .client import Resque


class Job(PayloadView):
    """One job taken from (or bound for) a queue."""

    __slots__ = ("client", "queue", "payload", "raw", "worker_id", "_failure_hooks_ran", "_resolved")

    def __init__(
        self, client: Resque, queue: str, payload: Any, raw: bytes | None = None, worker_id: str = ""
    ) -> None:
        self.client = client
        self.queue = queue
        self.payload = payload
        self.raw = raw
        self.worker_id = worker_id
        self._failure_hooks_ran = False
        self._resolved: tuple[Any, Callable[..., Any], list[Any], dict[str, Any]] | None = None

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
                spec = self.client.registry.get(name)
                args, kwargs = self.args, dict[str, Any]()
                if spec.typed:  # the one test untyped jobs pay
                    args, kwargs = spec.argument_types.convert(args, kwargs)
                self._resolved = (spec.target, spec.perform, args, kwargs)
        return self._resolved

    def perform(self) -> bool:
        """Run the job with its hooks; returns False when a before hook said DontPerform.
        Exceptions propagate (after the failure hooks ran), as in Ruby."""
        target, perform, args, kwargs = self.resolve()
        hooks = self.client.hooks
        try:
            try:
                for hook in hooks:
                    hook.before_perform(self)
                for fn in job_hooks(target, "before_perform"):
                    fn(*args, **kwargs)
            except DontPerform:
                return False

            around = job_hooks(target, "around_perform")

            def call() -> Any:
                return perform(*args, **kwargs)

            runner = call
            for fn in reversed(around):
                runner = _wrap_job_hook(fn, runner, args, kwargs)
            for hook in reversed(hooks):
                runner = _wrap_global_hook(hook, self, runner)
            runner()

            for fn in job_hooks(target, "after_perform"):
                fn(*args, **kwargs)
            for hook in hooks:
                hook.after_perform(self)
            return True
        except BaseException as exc:
            self.run_failure_hooks(exc)
            raise

    def run_failure_hooks(self, exc: BaseException) -> None:
        """Per-job ``on_failure*`` and global ``on_failure`` hooks, once."""
        if self._failure_hooks_ran:
            return
        self._failure_hooks_ran = True
        try:
            target, _, args, kwargs = self.resolve()
        except Exception:  # noqa: BLE001 - an unknown class has no hooks to run
            target, args, kwargs = None, self.args, {}
        for fn in job_hooks(target, "on_failure"):
            fn(exc, *args, **kwargs)
        for hook in self.client.hooks:
            hook.on_failure(self, exc)

    def fail(self, exc: BaseException, pipe: Any = None) -> None:
        """Record ``exc`` through the failure backend (hooks first, as Ruby)."""
        try:
            self.run_failure_hooks(exc)
        finally:
            info = FailureInfo.from_exception(exc, self.payload, self.worker_id, self.queue)
            self.client.save_failure(info, pipe)

    def __repr__(self) -> str:
        return f"(Job{{{bounded(self.queue)}}} | {bounded(str(self.class_name))} | {format_args(self.args)})"


def _wrap_job_hook(
    fn: Callable[..., Any], inner: Callable[[], Any], args: list[Any], kwargs: dict[str, Any]
) -> Callable[[], Any]:
    # Ruby's around hooks receive the args and a block; ours receive a callable
    # that runs the rest of the chain, then the args.
    return lambda: fn(inner, *args, **kwargs)


def _wrap_global_hook(hook: Any, job: Job, inner: Callable[[], Any]) -> Callable[[], Any]:
    return lambda: hook.around_perform(job, inner)
