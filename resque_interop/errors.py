"""One exception tree for the whole package."""

from __future__ import annotations


class ResqueError(Exception):
    """Root of every error resque_interop raises."""


class EncodeError(ResqueError, TypeError):
    """A value JSON (as Ruby writes it) cannot carry; raised before Redis is touched."""


class DecodeError(ResqueError, ValueError):
    """Bytes read from Redis that are not JSON; keeps the raw text."""

    def __init__(self, message: str, raw: bytes | str) -> None:
        super().__init__(message)
        self.raw = raw


class NoQueueError(ResqueError):
    """No queue given and none could be inferred (Resque::NoQueueError)."""


class NoClassError(ResqueError):
    """A job without a class name (Resque::NoClassError)."""


class UnknownJobError(ResqueError, LookupError):
    """A class name read from Redis that the registry does not know."""

    def __init__(self, name: str, known: list[str]) -> None:
        shown = ", ".join(known) if known else "(none)"
        super().__init__(
            f"No job registered for class {name!r}; registered names: {shown}. "
            "Register it with @job(...) in the module the worker loads (-A module / RESQUE_APP); "
            "a class only Ruby has belongs on a queue that Ruby workers take."
        )
        self.name = name
        self.known = known


class JobArgumentError(ResqueError, TypeError):
    """Arguments that do not fit a typed job's annotations; names the parameter, the path
    inside it and the expected type (``meta.tags[1]: expected str, got int``)."""


class AppImportError(ResqueError, ImportError):
    """The module named by ``-A``/``RESQUE_APP`` could not be imported; says where it looked."""


class InvalidQueueListError(ResqueError, ValueError):
    """A worker queue list that cannot be used (empty, or a name with ':' or ',')."""


class ConnectionConfigError(ResqueError, ValueError):
    """A Redis address that cannot be understood."""


class DirtyExit(ResqueError):
    """The job's process died before it could report (Resque::DirtyExit)."""

    ruby_name = "Resque::DirtyExit"


class PruneDeadWorkerDirtyExit(DirtyExit):
    """A dead worker was pruned while it held a job (Resque::PruneDeadWorkerDirtyExit)."""

    ruby_name = "Resque::PruneDeadWorkerDirtyExit"

    def __init__(self, worker_id: str, job_class: str | None) -> None:
        job = job_class or "<unknown>"
        super().__init__(f"Worker {worker_id} did not gracefully exit while processing {job}")


class JobTimeout(ResqueError):
    """A job ran past its timeout (``@job(..., timeout=...)`` or the worker's ``--job-timeout``).
    Not a DirtyExit: it counts in ``stat:failed``, and a job with a Retry is retried."""


class TermException(BaseException):
    """Raised inside an in-process job when TERM arrives with TERM_CHILD set.

    A BaseException, as Ruby's is a SignalException: job code that rescues
    ``Exception`` does not swallow a shutdown."""

    ruby_name = "Resque::TermException"


class DontPerform(ResqueError):
    """Raised by a before_perform hook to skip the job silently (Resque::Job::DontPerform)."""
