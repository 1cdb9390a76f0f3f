"""All Redis I/O: the data store (Ruby's ``Resque::DataStore``, composing one store per seam:
queues, failed, workers, counters, keyspace, delayed, schedules; a caller names the seam,
``store.queues.push``), the Lua scripts, the lean lane's packed payloads,
resque-scheduler's delayed and schedule keys, resque-retry's keys, an idle worker's blocking
peeks, and connections. No module outside this package (but the asyncio client's ``aio/store.py``)
calls Redis.

:mod:`.protocols` holds the narrow client shape that the layers between the store and the client
(failure backends, the scheduler) type against, so they never import the client itself.
"""
