"""Redis errors in words: what went wrong and what to do, in one line.

Refused writes (out of memory under ``noeviction``, a read-only replica, a failed
save, too few replicas, a script running too long) are faults that pass, like a lost
connection: a worker keeps what it has to write, takes no new job and tries again;
:func:`refusal` names the cause for its one log line.

Shared by the CLI (which prints the line and exits non-zero) and the worker
(which logs it while it waits for Redis to accept writes again). redis-py
strips the error code from the classes it knows (``OutOfMemoryError`` says
only "command not allowed when ..."), and a script or a transaction can carry
the code inside its text, so both the class and the text are read.
"""

from __future__ import annotations

import redis.exceptions as rx

# Error codes of a Redis that answers but refuses writes for now; retrying later can succeed.
WRITE_REFUSED_CODES = ("OOM", "READONLY", "MISCONF", "NOREPLICAS", "BUSY", "MASTERDOWN")

_ADVICE = {
    "OOM": "Redis is out of memory (maxmemory reached; it refuses writes): raise maxmemory "
           "(CONFIG SET maxmemory) or free memory; keep maxmemory-policy noeviction so no queue is evicted",
    "READONLY": "Redis is a read-only replica: point REDIS_URL at the primary",
    "MISCONF": "Redis refuses writes because it cannot save its snapshot to disk (MISCONF): "
               "fix its disk or directory (see the Redis log), or CONFIG SET stop-writes-on-bgsave-error no",
    "NOAUTH": "Redis requires a password: put it in REDIS_URL (redis://:PASSWORD@host:port/db)",
    "WRONGPASS": "Redis rejected the user name or password: fix them in REDIS_URL (redis://USER:PASSWORD@host:port/db)",
    "NOPERM": "the Redis user lacks permission for a command Resque needs: grant it (ACL SETUSER ... +@all ~*) "
              "or use another user in REDIS_URL",
    "WRONGTYPE": "a key in this namespace holds a value of the wrong type for Resque (another program writes "
                 "there?): give Resque a namespace of its own (-N / RESQUE_NAMESPACE) or remove the stray key",
    "LOADING": "Redis is still loading its data set into memory: wait until it has loaded, then try again",
    "BUSY": "Redis is busy running a long script: wait for it, or stop it with SCRIPT KILL",
    "MASTERDOWN": "the Redis replica has lost its link to the primary: point REDIS_URL at the primary",
    "NOREPLICAS": "Redis has fewer replicas than min-replicas-to-write: bring a replica back or lower it",
    "EXECABORT": "Redis refused a transaction (EXECABORT): see the Redis log",
}


class _NeverRaised(Exception):
    """Stands in for a redis-py class an older redis-py (the project accepts >= 4.5) lacks."""


def _redis_py(name: str) -> type[BaseException]:
    found = getattr(rx, name, _NeverRaised)
    return found if isinstance(found, type) and issubclass(found, BaseException) else _NeverRaised


_MAX_CLIENTS = _redis_py("MaxClientsReachedError")
_MAX_CONNECTIONS = _redis_py("MaxConnectionsError")

_BY_CLASS: tuple[tuple[type[BaseException], str], ...] = (
    (_redis_py("OutOfMemoryError"), "OOM"),
    (rx.ReadOnlyError, "READONLY"),
    (rx.NoPermissionError, "NOPERM"),
    (rx.BusyLoadingError, "LOADING"),
)


def error_code(exc: BaseException) -> str | None:
    """The Redis error code (``OOM``, ``READONLY``, ``MISCONF``, ``WRONGTYPE``, ...) behind ``exc``, if any."""
    for cls, code in _BY_CLASS:
        if isinstance(exc, cls):
            return code
    # a pipeline's error names the command and its arguments first: read only the reply
    text = str(exc).rpartition(" of pipeline caused error: ")[2]
    if isinstance(exc, rx.AuthenticationError):
        return "WRONGPASS" if "invalid" in text or "WRONGPASS" in text else "NOAUTH"
    if not isinstance(exc, rx.ResponseError):
        return None
    status = getattr(exc, "status_code", None)  # redis-py 8 keeps the code it stripped
    if isinstance(status, str) and status in _ADVICE:
        return status
    first = text.split(" ", 1)[0].lstrip("-")
    if first in _ADVICE:
        return first
    # a script's error carries the code of the command that failed inside it
    for code in _ADVICE:
        if f"-{code} " in text or f" {code} " in text or text.startswith(f"{code} "):
            return code
    if "maxmemory" in text:
        return "OOM"
    if "read only replica" in text:
        return "READONLY"
    return None


def refuses_writes(exc: BaseException) -> bool:
    """True when Redis answered but refuses writes for now (full, a replica, cannot persist):
    the write may succeed later, so it is a fault to wait out, not a bug."""
    return refusal(exc) is not None


def refusal(exc: BaseException) -> str | None:
    """Why Redis refused a write, in one line saying what to do; None for any other error."""
    code = error_code(exc)
    return _ADVICE[code] if code in WRITE_REFUSED_CODES else None


def describe_redis_error(exc: BaseException, address: str | None = None) -> str:
    """One line for people: what Redis said and what to do about it. ``address``
    (``redis://host:port/db``) is named when the server could not be reached."""
    where = f" at {address}" if address else ""
    detail = " ".join(str(exc).split())  # one line even if the server's text had several
    code = error_code(exc)
    if code is not None:
        return f"{_ADVICE[code]} (Redis said: {detail})"
    if isinstance(exc, _MAX_CLIENTS):
        return f"Redis{where} has reached its maxclients limit: raise maxclients or close idle clients ({detail})"
    if isinstance(exc, _MAX_CONNECTIONS):
        return f"too many connections to Redis{where} open in this process ({detail})"
    if isinstance(exc, rx.TimeoutError):
        return (f"Redis{where} did not answer in time ({detail}): it may be stalled (a slow command, "
                "a full disk, DEBUG SLEEP) or the network is slow; check it with redis-cli ping and SLOWLOG GET")
    if isinstance(exc, (rx.ConnectionError, OSError)):
        return (f"cannot reach Redis{where} ({detail.rstrip('.')}): is redis-server running there? "
                "Set REDIS_URL (or -r) to its address")
    if isinstance(exc, rx.ResponseError):
        return f"Redis refused the command: {detail}"
    return f"Redis error ({type(exc).__name__}): {detail}"
