"""The worker's hot path: FINISH_AND_RESERVE packed once per queue list, and its replies
read into named values.

The script (see :mod:`resque_interop.store.scripts`) answers with bare numbers; they are
read here, once, into :class:`Reserved`, :class:`Recovered`, :class:`Empty`,
:class:`Paused`, :class:`Unregistered` or :class:`WrongType`, so the worker's loop matches
on names. What the worker sends to finish its previous job is a :class:`Finish`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import redis

from ..schema.keys import Keys
from . import scripts
from .lane import Lane, pack


class Finish(Enum):
    """The script's finish flag: what becomes of the job the worker held."""

    #: no job to finish
    NOTHING = "0"
    #: finish it and count it in ``stat:processed`` and ``stat:processed:<id>``
    COUNT = "1"
    #: finish it only: a stat store of the user's keeps the counters
    UNCOUNTED = "2"

    @classmethod
    def after_job(cls, counts_in_reserve: bool) -> Finish:
        """The finish of a performed job: counted here when the stat store counts in the reserve."""
        return cls.COUNT if counts_in_reserve else cls.UNCOUNTED


@dataclass(frozen=True, slots=True)
class Reserved:
    """A job taken from ``queue`` (now held in ``worker:<id>``)."""

    queue: str
    raw: bytes


@dataclass(frozen=True, slots=True)
class Recovered:
    """A job an earlier call reserved while its reply was lost: ``held`` is the
    ``worker:<id>`` value holding it (queue, run_at, payload)."""

    held: bytes


@dataclass(frozen=True, slots=True)
class Empty:
    """No job in any queue."""


@dataclass(frozen=True, slots=True)
class Paused:
    """``pause-all-workers`` is set: nothing was taken."""


@dataclass(frozen=True, slots=True)
class Unregistered:
    """The worker is not in ``workers`` (pruned while it was frozen): it registers again first."""


@dataclass(frozen=True, slots=True)
class WrongType:
    """Nothing was found, and ``queue:<queue>`` holds another type than a list (skipped)."""

    queue: str


ReserveReply = Reserved | Recovered | Empty | Paused | Unregistered | WrongType


def read_reply(reply: Any, queues: Sequence[str]) -> ReserveReply:
    """Name a reply of :meth:`Reserver.call` made over ``queues``: false (None) when nothing
    was found, -1 paused, -2 not registered, ``[-3, i]`` only queue ``i`` of the wrong type,
    ``[0, held]`` a reservation the caller did not hear of, else ``[i, payload]``."""
    if not isinstance(reply, list):
        if reply is None or reply is False:
            return Empty()
        if int(reply) == -1:
            return Paused()
        if int(reply) == -2:
            return Unregistered()
        raise ValueError(f"FINISH_AND_RESERVE replied {reply!r}")
    index, value = int(reply[0]), reply[1]
    if index == -3:
        return WrongType(queues[int(value) - 1])
    if index == 0:
        return Recovered(bytes(value))
    if index > 0:
        return Reserved(queues[index - 1], bytes(value))
    raise ValueError(f"FINISH_AND_RESERVE replied {reply!r}")


class Reserver:
    """FINISH_AND_RESERVE for one worker and queue list, packed once: per job only
    the finish flag, ``run_at`` and the held value's SHA1 change, so a call costs
    one send and one read."""

    def __init__(
        self, lane: Lane, client: redis.Redis[bytes], keys: Keys,
        worker_id: str, queues: Sequence[str], queue_json: Sequence[bytes],
    ) -> None:
        key_list = [keys.worker(worker_id), keys.stat("processed"), keys.stat(f"processed:{worker_id}"), keys.pause]
        key_list += [keys.workers]
        key_list += [keys.queue(q) for q in queues]
        self.lane = lane
        self.redis = client
        self.queues = list(queues)
        argc = 3 + len(key_list) + 4 + len(queue_json)
        head = pack(b"EVALSHA", scripts.FINISH_AND_RESERVE.sha, len(key_list), *key_list)
        # pack() writes the argument count first: replace it with the full count
        self._head = b"*%d\r\n" % argc + head.split(b"\r\n", 1)[1]
        self._queue_json = list(queue_json)
        self._tail = pack(worker_id.encode())[4:] + b"".join(pack(j)[4:] for j in queue_json)

    def call(self, finish: Finish | str, run_at: str, held: bytes | None = None) -> Any:
        """Finish the previous job (``finish``; ``held`` is the ``worker:<id>`` value it
        left there) and reserve the next: the script's reply as sent (see :func:`read_reply`)."""
        flag = (finish if isinstance(finish, Finish) else Finish(finish)).value.encode()
        held_sha = hashlib.sha1(held).hexdigest().encode() if held is not None else b""
        packed = b"%s$1\r\n%s\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n%s" % (
            self._head, flag, len(run_at), run_at.encode(), len(held_sha), held_sha, self._tail,
        )
        try:
            return self.lane.call(packed)[0]
        except redis.exceptions.NoScriptError:
            self.redis.execute_command("SCRIPT LOAD", scripts.FINISH_AND_RESERVE.source)  # as script_load sends it
            return self.lane.call(packed)[0]

    def held_after(self, reply: Any, run_at: str) -> bytes | None:
        """The ``worker:<id>`` value a reply of :meth:`call` (sent with ``run_at``) left:
        the record the script wrote, the one it handed back, or None."""
        if not isinstance(reply, list) or int(reply[0]) < 0:
            return None
        index, payload = reply
        if int(index) == 0:
            return bytes(payload)
        return b'{"queue":%s,"run_at":"%s","payload":%s}' % (
            self._queue_json[int(index) - 1], run_at.encode(), payload,
        )
