"""Redis refusing writes while it answers: out of memory (``maxmemory`` with
``noeviction``), a read-only replica, a failed save (MISCONF), too few replicas,
a script running too long. Like a lost connection these pass: a worker keeps what
it has to write, takes no new job, and tries again; a producer's caller gets the
error. :func:`refusal` names the cause in one line that says what to do."""

from __future__ import annotations

import re

from redis.exceptions import OutOfMemoryError, ReadOnlyError, ResponseError  # type: ignore[attr-defined]

_WHY = {
    "OOM": "Redis is out of memory (maxmemory reached and maxmemory-policy is noeviction): "
           "free memory or raise maxmemory",
    "READONLY": "Redis is a read-only replica: point REDIS_URL at the primary",
    "MISCONF": "Redis cannot save to disk (MISCONF, stop-writes-on-bgsave-error): see the Redis log",
    "NOREPLICAS": "Redis has fewer replicas than min-replicas-to-write",
    "BUSY": "Redis is busy running a script (SCRIPT KILL ends it)",
    "MASTERDOWN": "Redis is a replica that lost its primary (MASTERDOWN)",
}
# the error code, at the start of a reply or of the reply a script's redis.call met
# (Redis 6 wraps it: "Error running script ...: @user_script: 1: -OOM command not ...")
_CODE = re.compile(r"(?:^|: -)(" + "|".join(_WHY) + ") ")


def refusal(exc: BaseException) -> str | None:
    """Why Redis refused a write, in one line; None when ``exc`` is something else."""
    if isinstance(exc, OutOfMemoryError):
        return _WHY["OOM"]
    if isinstance(exc, ReadOnlyError):
        return _WHY["READONLY"]
    if not isinstance(exc, ResponseError):
        return None
    # a pipeline's error names the command and its arguments first: read only the reply
    text = str(exc).rpartition(" of pipeline caused error: ")[2]
    found = _CODE.search(text)
    return _WHY[found.group(1)] if found else None
