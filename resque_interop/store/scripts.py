"""Lua scripts, each one round trip and atomic.

``FINISH_AND_RESERVE`` is the worker's hot path. It finishes the previous job
(``DEL worker:<id>``, ``INCRBY stat:processed``/``stat:processed:<id>``, as
Ruby's ``done_working``), honours ``pause-all-workers`` (Ruby's ``paused?``:
the value, stripped and downcased, equals ``true``), then pops the first job
in priority order and records it in ``worker:<id>`` in the same step, so a
kill -9 at any instant leaves a job either on its queue or in ``worker:<id>``.

Every write comes after every read, and the first write is one that Redis refuses
when out of memory (``SET`` of the job taken, else ``INCRBY``): a full Redis (or a
read-only replica, or one that cannot save) refuses the whole call before it has
changed anything, so a worker keeps its finish and takes nothing until Redis takes
writes again. (A script's later writes are allowed once it has written.)

It is also safe to call again when a reply was lost (a connection dropped or
timed out after the script ran): the caller names the ``worker:<id>`` value
it holds by its SHA1. A value it does not know is a job an earlier call
reserved and whose reply never arrived: that job is handed over (index 0)
instead of being finished or overwritten, and nothing is counted twice.

A worker that is no longer in ``workers`` (pruned while it was frozen) is
told so (-2) before it takes anything: it registers again first, and never
works unlisted. A queue key of the wrong type is skipped, never fatal, and
named in the reply when nothing else was found ({-3, index}).

KEYS: worker:<id>, stat:processed, stat:processed:<id>, pause-all-workers,
workers, queue:<q1>..queue:<qn> (no queues: finish only)
ARGV: finish flag ("0" nothing to finish, "1" finish and count, "2" finish only
(counters kept by a stat store of the user's)), run_at, SHA1 of the held
``worker:<id>`` value ("" for none), the worker's id, then the JSON-encoded
name of each queue
Returns: false when nothing was found, -1 when paused, -2 when not
registered, {-3, index} when only a wrong-typed queue was met, {0,
worker:<id> value} for a reservation the caller did not hear of, else
{index, payload}. :mod:`resque_interop.store.reserve` reads these replies into named
values and sends the finish flag as its ``Finish``.
"""

import hashlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class LuaScript:
    """A script's source and the SHA1 that EVALSHA names it by."""

    source: str
    sha: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sha", hashlib.sha1(self.source.encode()).hexdigest())


FINISH_AND_RESERVE = LuaScript("""
local held = redis.call('GET', KEYS[1])
if held and (ARGV[1] == '0' or redis.sha1hex(held) ~= ARGV[3]) then return {0, held} end
-- first decide, reading only; then write, a write Redis refuses when out of memory
-- (SET, INCRBY) first: a full Redis refuses the whole script before anything changed
local verdict, job, index, bad = false, nil, nil, nil
if #KEYS > 5 then
  if redis.call('SISMEMBER', KEYS[5], ARGV[4]) == 0 then
    verdict = -2
  else
    local pause = redis.call('GET', KEYS[4])
    if pause and string.lower(pause):gsub('^[%s%z]+', ''):gsub('[%s%z]+$', '') == 'true' then
      verdict = -1
    else
      for i = 6, #KEYS do
        local first = redis.pcall('LINDEX', KEYS[i], 0)
        if type(first) == 'table' and first.err then
          bad = bad or (i - 5)
        elseif first then
          job, index = first, i
          break
        end
      end
    end
  end
end
if job then
  redis.call('SET', KEYS[1],
    '{"queue":' .. ARGV[index - 1] .. ',"run_at":"' .. ARGV[2] .. '","payload":' .. job .. '}')
  redis.call('LPOP', KEYS[index])
end
if held then
  if ARGV[1] == '1' then
    redis.call('INCRBY', KEYS[2], 1)
    redis.call('INCRBY', KEYS[3], 1)
  end
  if not job then redis.call('DEL', KEYS[1]) end
end
if job then return {index - 5, job} end
if bad and not verdict then return {-3, bad} end
return verdict
""")

# A heartbeat that also tells a worker it was pruned while alive (frozen past the
# prune interval): 1 beat written, 0 not a member of ``workers`` (nothing written).
# KEYS: workers, workers:heartbeat; ARGV: id, time
HEARTBEAT_IF_REGISTERED = LuaScript("""
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
""")

# LSET a sentinel then LREM it: Ruby's remove_from_failed_queue, made atomic so
# that a concurrent writer can never make it delete a different entry.
REMOVE_AT = LuaScript("""
local ok = redis.pcall('LSET', KEYS[1], ARGV[1], ARGV[2])
if type(ok) == 'table' and ok.err then
  -- no such entry: nothing removed; any other refusal (OOM, READONLY) is the caller's to see
  if string.find(ok.err, 'index out of range', 1, true) or string.find(ok.err, 'no such key', 1, true) then
    return 0
  end
  return redis.error_reply(ok.err)
end
return redis.call('LREM', KEYS[1], 1, ARGV[2])
""")

# resque-scheduler's Resilient master lock (its acquire! || locked?), in one
# step: take it when free, or keep it (extend its TTL) while it holds our value.
# ARGV: value, TTL in seconds.
SCHEDULER_LOCK_ACQUIRE = LuaScript("""
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
""")

SCHEDULER_LOCK_RELEASE = LuaScript("""
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
""")
