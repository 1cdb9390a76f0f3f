"""A WSGI app from the environment: ``waitress-serve resque_interop.web.wsgi:app``
(or gunicorn).

REDIS_URL, RESQUE_NAMESPACE, FAILURE_BACKEND; RESQUE_WEB_USER and
RESQUE_WEB_PASSWORD turn on basic auth; RESQUE_WEB_SECRET signs the CSRF
tokens (processes serving one dashboard must share it); RESQUE_WEB_ALLOWED_HOSTS
adds Host names to answer to; RESQUE_SCHEDULE shows a YAML file's schedules."""

from __future__ import annotations

import os

from ..client.resque import Resque
from ..scheduler.schedules import load_schedule_file
from .app import create_app

_user, _password = os.environ.get("RESQUE_WEB_USER"), os.environ.get("RESQUE_WEB_PASSWORD")
_client = Resque()
if os.environ.get("RESQUE_SCHEDULE"):
    _client.schedules.load(load_schedule_file(os.environ["RESQUE_SCHEDULE"]))
app = create_app(_client, auth=(_user, _password) if _user and _password else None)
