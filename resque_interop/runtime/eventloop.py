"""The asyncio event loop a worker owns, for jobs and hooks that return something to await.

An ``async def`` job (or any callable whose result is awaitable: a coroutine, a
Future, an object with ``__await__``) is run to completion on this loop before
the job counts as done. One loop per worker process, kept across jobs (clients
an async job caches stay bound to a live loop); a forked child makes its own,
as a loop inherited through fork shares its selector with the parent.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import os
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from .logfmt import format_error

T = TypeVar("T")

log = logging.getLogger("resque_interop.worker")


class JobLoop:
    """Runs awaitables to completion for synchronous callers (the worker's job chain)."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid = 0
        self._thread = 0

    def _current(self) -> asyncio.AbstractEventLoop | None:
        """This process's loop, if it made one."""
        if self._loop is None or self._pid != os.getpid() or self._loop.is_closed():
            return None
        return self._loop

    def _own(self) -> asyncio.AbstractEventLoop:
        loop = self._current()
        if loop is None:
            # after fork the parent's loop is dropped unclosed: closing it here would touch its state
            loop = self._loop = asyncio.new_event_loop()
            self._pid, self._thread = os.getpid(), threading.get_ident()
        return loop

    def inside(self) -> bool:
        """True when called from code this loop is running in its own thread (an ``async def``
        hook's body, or a signal handler that interrupted the loop)."""
        loop = self._current()
        return loop is not None and loop.is_running() and threading.get_ident() == self._thread

    def settle(self, value: Any) -> Any:
        """``value`` itself, or, when it is awaitable, what it resolves to: run on this loop until
        done (raising what it raised). From a thread other than the loop's while the loop runs,
        it is handed to the loop and waited for. Inside the running loop's own thread (a signal
        handler's hook) it cannot be waited for: it is scheduled on the loop and None returned."""
        if not inspect.isawaitable(value):
            return value
        loop = self._current()
        if loop is not None and loop.is_running():
            if threading.get_ident() == self._thread:
                asyncio.ensure_future(value, loop=loop)
                return None
            return asyncio.run_coroutine_threadsafe(_awaited(value), loop).result()
        loop = self._own()
        self._thread = threading.get_ident()  # whichever thread runs it is the loop's thread meanwhile
        task = loop.create_task(_awaited(value))
        try:
            return loop.run_until_complete(task)
        except BaseException:
            # interrupted (TERM raised by a signal handler): the job must not go on at the next await
            if not task.done():
                task.cancel()
                with contextlib.suppress(BaseException):
                    loop.run_until_complete(asyncio.wait([task]))
            raise

    async def in_thread(self, call: Callable[[], T]) -> T:
        """Run a synchronous ``call`` from a coroutine without blocking the loop: in a helper
        thread, where :meth:`settle` hands anything it must await back to this loop."""
        return await self._own().run_in_executor(None, call)

    def close(self) -> None:
        """Cancel what is left on the loop (as ``asyncio.run`` does at its end) and close it."""
        loop = self._current()
        self._loop = None
        if loop is None or loop.is_running():
            return
        try:
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        except Exception as exc:  # noqa: BLE001 - leaving must not fail the worker
            log.warning("closing the job event loop: %s", format_error(exc))
        finally:
            loop.close()


async def _awaited(value: Awaitable[T]) -> T:
    return await value


_process_loop = JobLoop()


def process_loop() -> JobLoop:
    """The loop of code that runs jobs without a worker (an inline client, ``Job.perform()``
    called directly): one per process (a forked child's makes itself a new loop)."""
    return _process_loop
