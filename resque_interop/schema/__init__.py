"""Resque's bytes and shapes: key names, the JSON codec, payload and failure-entry views, time formats.

No Redis I/O here; everything above (the store, the client, the worker, the web app) builds on these.
"""
