"""Building a redis-py client from the addresses Resque users write.

Accepted: a ``redis.Redis`` (used as is), ``redis://``, ``rediss://`` (TLS),
``unix://`` URLs, ``redis-sentinel://host:port[,host:port]/service[/db]``,
and Resque's own ``host:port[:db]`` / ``host:port/db`` strings. With nothing
given, ``REDIS_URL`` (then ``RESQUE_REDIS``), else ``redis://localhost:6379/0``.
"""

from __future__ import annotations

import os
import re
from typing import Any

import redis

from ..errors import ConnectionConfigError

DEFAULT_URL = "redis://localhost:6379/0"

_HOST_PORT = re.compile(r"^(?P<host>[^:/]+|\[[^\]]+\]):(?P<port>\d+)(?:[:/](?P<db>\d+))?$")


def url_from_env() -> str:
    """The address the environment names, as Resque reads it."""
    return os.environ.get("REDIS_URL") or os.environ.get("RESQUE_REDIS") or DEFAULT_URL


def normalize_url(address: str) -> str:
    """Turn Resque's ``host:port[:db]`` into a URL; URLs pass through."""
    address = address.strip()
    if "://" in address:
        return address
    match = _HOST_PORT.match(address)
    if match:
        db = match.group("db") or "0"
        return f"redis://{match.group('host')}:{match.group('port')}/{db}"
    if re.match(r"^[\w.-]+$", address):  # a bare host name
        return f"redis://{address}:6379/0"
    raise ConnectionConfigError(
        f"cannot read Redis address {address!r}: use redis://host:port/db, rediss://..., "
        "unix:///path/to/socket, redis-sentinel://host:port/service or host:port[:db]"
    )


def sentinel_address(url: str) -> tuple[list[tuple[str, int]], str, int]:
    """(sentinel nodes, service, db) of ``redis-sentinel://host:port[,host:port]/service[/db]``."""
    rest = url[len("redis-sentinel://"):]
    hosts, _, path = rest.partition("/")
    parts = [p for p in path.split("/") if p]
    if not parts:
        raise ConnectionConfigError(f"{url!r}: name the sentinel service, e.g. redis-sentinel://h:26379/mymaster")
    service = parts[0]
    db = int(parts[1]) if len(parts) > 1 else 0
    nodes = []
    for item in hosts.split(","):
        host, _, port = item.rpartition(":")
        nodes.append((host or item, int(port) if port.isdigit() else 26379))
    return nodes, service, db


def _sentinel(url: str, **kwargs: Any) -> redis.Redis[bytes]:
    from redis.sentinel import Sentinel

    nodes, service, db = sentinel_address(url)
    return Sentinel(nodes).master_for(service, db=db, **kwargs)


def connect(address: str | redis.Redis[bytes] | None = None, **kwargs: Any) -> redis.Redis[bytes]:
    """A redis-py client for ``address`` (a client, a URL or ``host:port[:db]``)."""
    if isinstance(address, redis.Redis):
        return address
    url = normalize_url(address or url_from_env())
    if url.startswith("redis-sentinel://"):
        return _sentinel(url, **kwargs)
    try:
        return redis.Redis.from_url(url, **kwargs)
    except ValueError as exc:
        raise ConnectionConfigError(f"cannot use Redis URL {url!r}: {exc}") from None


def answers(client: redis.Redis[bytes]) -> bool:
    """Whether the server answers PING now (False while it refuses connections)."""
    try:
        client.ping()
    except redis.ConnectionError:
        return False
    return True


def describe(client: redis.Redis[bytes]) -> str:
    """``host:port/db`` of a client, for messages and resque-web's ``servers``."""
    kw = client.connection_pool.connection_kwargs
    if "path" in kw:
        return f"unix://{kw['path']}/{kw.get('db', 0)}"
    return f"redis://{kw.get('host', 'localhost')}:{kw.get('port', 6379)}/{kw.get('db', 0)}"
