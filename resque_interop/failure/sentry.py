"""Failures to Sentry (the ``sentry`` extra: ``pip install resque_interop[sentry]``).

A write-only backend, meant beside the Redis one as Ruby's README pairs Redis
with Airbrake: ``FAILURE_BACKEND=redis,sentry`` or ``Resque(failure_backend="redis,sentry")``
(spelled out: ``client.failure = MultipleFailureBackend(client,
[RedisFailureBackend(client), SentryFailureBackend(client)])``). Redis keeps the entry resque-web shows;
Sentry gets the real exception and traceback, captured in the process where the
exception lives (the forked child included), tagged ``resque.queue``,
``resque.class``, ``resque.worker`` and ``resque.args`` (truncated).

Sentry is set up by the application (``sentry_sdk.init`` in the ``-A`` module), or
here from ``SENTRY_DSN`` when nothing set it up. Sending is the SDK's background
thread's job; only a forked child, which leaves with ``os._exit`` right after,
waits for it, at most ``flush_timeout`` seconds (``SENTRY_FLUSH_TIMEOUT``, 2 by
default). So an unreachable or hanging Sentry costs a job at most that long and
never costs the Redis entry: the Redis backend saves first, and nothing here raises.
"""

from __future__ import annotations

import logging
import os
import reprlib
from typing import TYPE_CHECKING, Any

from ..errors import ResqueError
from ..runtime.logfmt import format_error
from ..schema.payloads import display_name, job_args, job_class
from ..store.pipeline import Pipeline
from .backend import FailureBackend
from .info import FailureInfo

if TYPE_CHECKING:
    from ..store.protocols import StoreClient

log = logging.getLogger("resque_interop.failure")

#: Sentry cuts tag values at 200 characters; the context keeps a longer view.
TAG_LIMIT = 200
CONTEXT_LIMIT = 2000

_repr = reprlib.Repr()
_repr.maxstring = 200
_repr.maxother = 200
_repr.maxlist = 20
_repr.maxdict = 20
_repr.maxlevel = 4


def truncated_args(args: list[Any], limit: int) -> str:
    """A readable, bounded view of a job's args (never the whole of a huge payload)."""
    text = _repr.repr(args)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class MissingExtra(ResqueError, ImportError):
    """An optional dependency this backend needs is not installed."""


def _fresh_transport(sentry_sdk: Any) -> None:
    """Give a forked child its own transport: it must not share the parent's HTTP
    connections (a send cut short by the flush timeout would leave a reply on the
    parent's socket), and the parent's sending thread does not exist in it."""
    from sentry_sdk.transport import make_transport

    client = sentry_sdk.get_client()
    if client.is_active() and getattr(client, "transport", None) is not None:
        client.transport = make_transport(client.options)


class SentryFailureBackend(FailureBackend):
    """Sends each failure to Sentry; keeps none to read."""

    def __init__(self, client: StoreClient, dsn: str | None = None, flush_timeout: float | None = None) -> None:
        super().__init__(client)
        try:
            import sentry_sdk
        except ImportError:
            raise MissingExtra(
                "the sentry failure backend needs sentry-sdk: pip install 'resque_interop[sentry]'"
            ) from None
        self._sdk = sentry_sdk
        if flush_timeout is None:
            flush_timeout = float(os.environ.get("SENTRY_FLUSH_TIMEOUT") or 2.0)
        self.flush_timeout = flush_timeout
        dsn = dsn or os.environ.get("SENTRY_DSN")
        if not sentry_sdk.get_client().is_active():
            if dsn:
                from sentry_sdk.integrations.atexit import AtexitIntegration

                # a worker's logging and threads are not Sentry's business; only the flush
                # at exit is kept (bounded), so what a worker without fork sent last arrives
                sentry_sdk.init(dsn=dsn, default_integrations=False, integrations=[AtexitIntegration()],
                                shutdown_timeout=flush_timeout)
            else:
                log.warning("sentry failure backend: no SENTRY_DSN and sentry_sdk.init was not called; "
                            "failures go to the other backends only")
        self._pid = os.getpid()

    def save(self, info: FailureInfo, pipe: Pipeline | None = None) -> None:
        """Capture the failure (never raises: Sentry's trouble is logged, not the job's)."""
        try:
            forked = os.getpid() != self._pid
            if forked:  # only a child that has something to send pays for a transport
                _fresh_transport(self._sdk)
                self._pid = os.getpid()
            self._capture(info)
            if forked:  # it leaves with os._exit next: send now, or never
                self._sdk.flush(timeout=self.flush_timeout)
        except Exception as exc:  # noqa: BLE001
            log.error("could not send a failure to Sentry: %s", format_error(exc))

    def _capture(self, info: FailureInfo) -> None:
        sdk = self._sdk
        if not sdk.get_client().is_active():
            return
        args = job_args(info.payload)
        # the class people mean: an ActiveJob's job_class rather than its wrapper
        name = display_name(info.payload) if job_class(info.payload) else "nil"
        with sdk.new_scope() as scope:
            scope.set_tag("resque.queue", info.queue)
            scope.set_tag("resque.class", name)
            scope.set_tag("resque.worker", info.worker)
            scope.set_tag("resque.args", truncated_args(args, TAG_LIMIT))
            scope.set_context("resque", {
                "queue": info.queue, "class": name, "worker": info.worker,
                "args": truncated_args(args, CONTEXT_LIMIT), "failure_id": info.failure_id,
                "exception": info.exception, "error": info.error[:CONTEXT_LIMIT],
            })
            exc = info.exc
            if exc is not None:
                sdk.capture_exception(exc)
            else:  # a failure without a Python exception (recorded by other means)
                sdk.capture_message(f"{info.exception}: {info.error}", level="error")
