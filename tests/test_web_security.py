"""State changes: same-origin (Origin, else Sec-Fetch-Site, else Referer) and a
token the server verifies; a refused request changes nothing."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from resque_interop import Resque
from resque_interop.web.app import create_app
from resque_interop.web.security import CSRF_COOKIE

from .support.web_client import csrf


@pytest.fixture
def web(r: Resque) -> FlaskClient:
    return create_app(r).test_client()


def clear(client: FlaskClient, form_token: str, **headers: str) -> int:
    return client.post("/queues/q/clear", data={"csrf_token": form_token}, headers=headers).status_code


@pytest.mark.parametrize("headers", [
    {"Origin": "http://evil.example"},
    {"Origin": "null"},
    {"Origin": "http://localhost.evil.example"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Referer": "http://evil.example/page"},
    {"Origin": "http://evil.example", "Sec-Fetch-Site": "same-origin", "Referer": "http://localhost/"},
])
def test_a_foreign_request_is_refused_and_changes_nothing(r: Resque, web: FlaskClient, headers: dict[str, str]) -> None:
    r.enqueue_ruby("Archive", 1, queue="q")
    response = web.post("/queues/q/clear", data={"csrf_token": csrf(web, "/queues")}, headers=headers)
    assert response.status_code == 403 and "cross-" in response.get_data(as_text=True)
    assert r.size("q") == 1


@pytest.mark.parametrize("headers", [{"Origin": "http://localhost"}, {"Sec-Fetch-Site": "same-origin"},
                                     {"Referer": "http://localhost/queues/q?start=0"}, {}])
def test_a_same_origin_request_with_the_token_is_done(r: Resque, web: FlaskClient, headers: dict[str, str]) -> None:
    r.enqueue_ruby("Archive", 1, queue="q")
    assert clear(web, csrf(web, "/queues"), **headers) == 302
    assert r.size("q") == 0


def test_a_token_pair_made_up_by_an_attacker_is_refused(r: Resque, web: FlaskClient) -> None:
    r.enqueue_ruby("Archive", 1, queue="q")
    # the report's attack: the cookie and the field chosen to match, from another site
    web.set_cookie(CSRF_COOKIE, "a", domain="localhost")
    assert clear(web, "a", Origin="http://evil.example") == 403
    # the same, with a cookie of the right shape and no Origin: the field is not its signature
    made_up = "A" * 43
    web.set_cookie(CSRF_COOKIE, made_up, domain="localhost")
    assert clear(web, made_up) == 403
    assert clear(web, "") == 403
    assert r.size("q") == 1


def test_a_token_signed_by_another_secret_is_refused(r: Resque) -> None:
    r.enqueue_ruby("Archive", 1, queue="q")
    other, ours = create_app(r, secret="one").test_client(), create_app(r, secret="two").test_client()
    stolen = csrf(other, "/queues")
    ours.set_cookie(CSRF_COOKIE, other.get_cookie(CSRF_COOKIE).value, domain="localhost")  # type: ignore[union-attr]
    assert clear(ours, stolen) == 403
    # processes sharing a configured secret accept each other's tokens
    twin = create_app(r, secret="one").test_client()
    twin.set_cookie(CSRF_COOKIE, other.get_cookie(CSRF_COOKIE).value, domain="localhost")  # type: ignore[union-attr]
    assert clear(twin, stolen) == 302 and r.size("q") == 0


def test_the_cookie_is_set_once(web: FlaskClient) -> None:
    first = web.get("/failed")
    cookies = first.headers.getlist("Set-Cookie")
    assert len(cookies) == 1 and cookies[0].startswith(f"{CSRF_COOKIE}=")
    assert "HttpOnly" in cookies[0] and "SameSite=Strict" in cookies[0]
    assert web.get("/failed").headers.getlist("Set-Cookie") == []


def test_get_never_changes_state(r: Resque, web: FlaskClient) -> None:
    r.enqueue_ruby("Archive", 1, queue="q")
    assert web.get("/delayed-actions/clear").status_code == 405
    assert web.get("/queues/q/clear").status_code == 200  # the page of a queue named "q/clear"
    assert r.size("q") == 1


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\t/evil.example", "\\\\evil",
                                    "/\\evil.example"])
def test_an_action_never_returns_to_another_site(r: Resque, web: FlaskClient, target: str) -> None:
    response = web.post("/failed-actions/clear", data={"csrf_token": csrf(web, "/queues"), "next": target})
    assert response.status_code == 302 and response.headers["Location"].startswith("/failed?note=")
