"""The worker: reserve, fork, perform, record (Ruby's ``Resque::Worker``) and its parts
(settings, registration and heartbeat, the reserve, the job's outcome, execution in the
child, blocking waits, queue lists, pruning dead workers, startup, metrics)."""

from __future__ import annotations

from .worker import Worker

__all__ = ["Worker"]
