"""A WSGI app from the environment: ``waitress-serve resque_interop.web.wsgi:app``
(or gunicorn).

REDIS_URL, RESQUE_NAMESPACE, FAILURE_BACKEND; RESQUE_WEB_USER and
RESQUE_WEB_PASSWORD turn on basic auth; RESQUE_WEB_SECRET signs the CSRF
tokens (processes serving one dashboard must share it)."""

from __future__ import annotations

import os

from ..client import Resque
from .app import create_app

_user, _password = os.environ.get("RESQUE_WEB_USER"), os.environ.get("RESQUE_WEB_PASSWORD")
app = create_app(Resque(), auth=(_user, _password) if _user and _password else None)
