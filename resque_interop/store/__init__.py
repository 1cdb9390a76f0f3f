"""All Redis I/O: the data store (Ruby's ``Resque::DataStore``), the Lua scripts, the lean lane's
packed payloads, resque-scheduler's delayed and schedule keys, and connections.

:mod:`.protocols` holds the narrow client shape that the layers between the store and the client
(failure backends, the scheduler) type against, so they never import the client itself.
"""
