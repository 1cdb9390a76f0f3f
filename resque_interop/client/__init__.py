"""The client layer: :class:`Resque` (the producer and introspection API of Ruby's ``Resque``
module), the registry of job callables, hooks, jobs and the client side of ActiveJob."""

from .hooks import Hooks, register_hooks
from .job import Job
from .registry import JobSpec, Registry, default_registry, job
from .resque import DEFAULT_HEARTBEAT_INTERVAL, Resque

__all__ = [
    "DEFAULT_HEARTBEAT_INTERVAL", "Hooks", "Job", "JobSpec", "Registry", "Resque", "default_registry",
    "job", "register_hooks",
]
