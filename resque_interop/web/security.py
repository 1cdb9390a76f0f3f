"""What makes the dashboard safe to expose: basic auth, CSRF on every state
change, and headers (CSP with no inline script, no framing, no sniffing)."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from typing import Any

from flask import Response, abort, request

CSRF_COOKIE = "resque_csrf"
CSRF_FIELD = "csrf_token"

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def csrf_token() -> str:
    """The token of this browser (double-submit: a cookie and a form field)."""
    token = request.cookies.get(CSRF_COOKIE)
    if not token or len(token) != 43:
        token = getattr(request, "_resque_csrf", None) or secrets.token_urlsafe(32)
        request._resque_csrf = token  # type: ignore[attr-defined]
    return token


def check_csrf() -> None:
    """Refuse a POST whose form token does not match its cookie."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = request.form.get(CSRF_FIELD) or request.headers.get("X-CSRF-Token", "")
    if not cookie or not sent or not hmac.compare_digest(cookie, sent):
        abort(403, description="missing or wrong CSRF token: reload the page and try again")


def finish_response(response: Response) -> Response:
    """Security headers, and the CSRF cookie when it was just made."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    new = getattr(request, "_resque_csrf", None)
    if new and request.cookies.get(CSRF_COOKIE) != new:
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
