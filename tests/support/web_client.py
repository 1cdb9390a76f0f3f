"""Driving the dashboard through Flask's test client: the CSRF token a page carries, a form
post with it, and the fingerprint a failure action names."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from resque_interop import Resque


def csrf(client: FlaskClient, url: str = "/failed") -> str:
    """The CSRF token in the page at ``url``."""
    page = client.get(url).get_data(as_text=True)
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    assert found, page
    return found.group(1)


def post(client: FlaskClient, url: str, **form: str) -> Any:
    """Post ``form`` with a fresh CSRF token."""
    return client.post(url, data={"csrf_token": csrf(client), **form})


def fingerprint(r: Resque, index: int, list_name: str | None = None) -> str:
    """The fingerprint of the failure at ``index`` (what an action on it must name)."""
    return r.failure.all(index, 1, list_name)[0].fingerprint
