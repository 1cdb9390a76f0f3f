"""The Host allow-list: the dashboard answers only under names it was told are its own.

A page another site loads can make the browser resolve that site's name to
127.0.0.1 (DNS rebinding); the browser then calls it same-origin, sends its
cookies, and reads the answers. The one thing such a request cannot fake is the
``Host`` header: it names the attacker's site. So every request (page, action,
API, static file, even a 404) whose ``Host`` is not on the list is answered 421
before any handler, basic auth included, runs.

The list is the bind address, ``localhost``, ``127.0.0.1`` and ``[::1]``, plus
what ``--allow-host`` / ``RESQUE_WEB_ALLOWED_HOSTS`` (comma-separated) add; a
name starting with a dot allows its subdomains, ``*`` allows every host.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.wrappers import Response

HOSTS_ENV = "RESQUE_WEB_ALLOWED_HOSTS"
LOOPBACK = ("localhost", "127.0.0.1", "[::1]")
#: binding these means "every interface": not a name a browser sends
_WILDCARDS = {"0.0.0.0", "::", "[::]", ""}


def host_name(header: str) -> str:
    """The name part of a ``Host`` header, lowercased, IPv6 kept in brackets:
    ``Example.com:80`` -> ``example.com``, ``[::1]:5678`` -> ``[::1]``."""
    header = header.strip().lower().rstrip(".")
    if header.startswith("["):
        end = header.find("]")
        return header[: end + 1] if end > 0 else header
    name, colon, port = header.rpartition(":")
    return name.rstrip(".") if colon and port.isdigit() else header


def allowed_hosts(bind: str | None = None, extra: Iterable[str] = ()) -> list[str]:
    """The loopback names, ``bind`` (an IPv6 address gets its brackets), ``extra``
    and ``RESQUE_WEB_ALLOWED_HOSTS``."""
    names = list(LOOPBACK)
    if bind and bind not in _WILDCARDS:
        names.append(f"[{bind}]" if ":" in bind and not bind.startswith("[") else bind)
    names += list(extra)
    names += os.environ.get(HOSTS_ENV, "").split(",")
    return normalised_hosts(names)


def normalised_hosts(names: Iterable[str]) -> list[str]:
    """Host names as requests are compared with them: trimmed, lower case, no trailing
    dot, each once."""
    out: list[str] = []
    for name in names:
        name = name.strip().lower().rstrip(".")
        if name and name not in out:
            out.append(name)
    return out


def host_allowed(header: str | None, allowed: Iterable[str]) -> bool:
    """Whether a request's ``Host`` header names one of ``allowed``."""
    if not header:
        return False
    name = host_name(header)
    for ref in allowed:
        if ref == "*" or name == ref or (ref.startswith(".") and (name.endswith(ref) or name == ref[1:])):
            return True
    return False


class HostCheck:
    """WSGI middleware: 421 Misdirected Request for a ``Host`` not on the list,
    before the app (and so every handler, static files and auth) sees the request."""

    def __init__(self, app: Callable[..., Any], allowed: Iterable[str]) -> None:
        self.app = app
        self.allowed = list(allowed)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        # an HTTP/1.0 request without Host is judged by the address the server bound
        header = environ["HTTP_HOST"] if "HTTP_HOST" in environ else environ.get("SERVER_NAME")
        if host_allowed(header, self.allowed):
            return self.app(environ, start_response)
        response = Response(
            "421 Misdirected Request: this dashboard does not answer to that Host.\n"
            "Allow a name it is reached by with --allow-host NAME or "
            f"{HOSTS_ENV}=NAME (comma-separated; '*' allows any, e.g. behind a proxy that checks it).\n",
            421, mimetype="text/plain")
        response.headers["Cache-Control"] = "no-store"
        return response(environ, start_response)
