"""What makes the dashboard safe to expose: basic auth, same-origin and CSRF
checks on every state change, and headers (CSP with no inline script, no
framing, no sniffing).

A state change must come from this site (``Origin``, else ``Sec-Fetch-Site``,
else ``Referer``, compared with the request's own host) and carry a token the
server can verify: an HMAC, under a secret the attacker does not know, of the
random value in this browser's cookie. A made-up cookie and field pair fails,
because only the server can compute the field from the cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Response, abort, current_app, g, request

CSRF_COOKIE = "resque_csrf"
CSRF_FIELD = "csrf_token"
SECRET_ENV = "RESQUE_WEB_SECRET"

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)

# one per process unless configured: tokens then die with the process, which is
# what a single waitress process wants; several processes need RESQUE_WEB_SECRET
_PROCESS_SECRET = secrets.token_bytes(32)


def secret() -> bytes:
    """The signing secret: the app's ``RESQUE_WEB_SECRET`` config, else the
    environment variable, else this process's random one."""
    configured = current_app.config.get(SECRET_ENV) or os.environ.get(SECRET_ENV)
    if configured:
        return configured.encode() if isinstance(configured, str) else bytes(configured)
    return _PROCESS_SECRET


def sign(value: str, purpose: str = "csrf") -> str:
    """HMAC-SHA256 of ``value`` under the secret, for one ``purpose``."""
    return hmac.new(secret(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def _browser_id() -> str:
    """This browser's random cookie value; a new one when it has none (sent once)."""
    current = request.cookies.get(CSRF_COOKIE, "")
    if len(current) == 43:
        return current
    if "resque_csrf_new" not in g:
        g.resque_csrf_new = secrets.token_urlsafe(32)
    return str(g.resque_csrf_new)


def csrf_token() -> str:
    """The form token of this browser: the signature of its cookie value."""
    return sign(_browser_id())


def _same_site(value: str) -> bool:
    return bool(value) and urlsplit(value).netloc.lower() == request.host.lower()


def check_origin() -> None:
    """Refuse a request that says it comes from another site."""
    origin = request.headers.get("Origin")
    if origin is not None:
        if not _same_site(origin):
            abort(403, description=f"cross-origin request refused (Origin {origin!r} is not {request.host!r})")
        return
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        if fetch_site != "same-origin":
            abort(403, description=f"cross-site request refused (Sec-Fetch-Site: {fetch_site})")
        return
    referer = request.headers.get("Referer")
    if referer is not None and not _same_site(referer):
        abort(403, description="cross-origin request refused (Referer is another site)")


def check_csrf() -> None:
    """Refuse a state change from another site, or without this browser's signed token."""
    check_origin()
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = request.form.get(CSRF_FIELD) or request.headers.get("X-CSRF-Token", "")
    if len(cookie) != 43 or not sent or not hmac.compare_digest(sign(cookie), sent):
        abort(403, description="missing or wrong CSRF token: reload the page and try again")


def finish_response(response: Response) -> Response:
    """Security headers, and the CSRF cookie the first time this browser is seen."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if not (request.endpoint or "").endswith(".static") and request.endpoint != "static":
        # pages and API answers hold queue contents: kept out of every cache
        response.headers.setdefault("Cache-Control", "no-store")
    new = g.pop("resque_csrf_new", None)  # popped: a second after_request does not set it again
    if new:
        response.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="Strict", secure=request.is_secure)
    return response


def basic_auth(user: str, password: str) -> Callable[[], Any]:
    """A before-request check for HTTP basic auth (constant-time comparison)."""

    def check() -> Any:
        auth = request.authorization
        ok = (
            auth is not None
            and hmac.compare_digest((auth.username or "").encode(), user.encode())
            and hmac.compare_digest((auth.password or "").encode(), password.encode())
        )
        if not ok:
            return Response("authentication required", 401, {"WWW-Authenticate": 'Basic realm="resque"'})
        return None

    return check
