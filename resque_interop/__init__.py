"""resque_interop: Ruby Resque's Redis schema, byte for byte, in Python."""

from __future__ import annotations

from .client.hooks import Hooks, register_hooks
from .client.job import Job
from .client.registry import JobSpec, Registry, default_registry, job
from .client.resque import Resque
from .errors import (
    DecodeError,
    DirtyExit,
    DontPerform,
    EncodeError,
    JobArgumentError,
    NoClassError,
    NoQueueError,
    ResqueError,
    UnknownJobError,
)
from .retry import Retry
from .schema.codec import Codec
from .schema.keys import Keys
from .version import __version__

__all__ = [
    "Codec",
    "DecodeError",
    "DirtyExit",
    "DontPerform",
    "EncodeError",
    "Hooks",
    "Job",
    "JobArgumentError",
    "JobSpec",
    "Keys",
    "NoClassError",
    "NoQueueError",
    "Registry",
    "Resque",
    "ResqueError",
    "Retry",
    "UnknownJobError",
    "__version__",
    "default_registry",
    "job",
    "register_hooks",
]
