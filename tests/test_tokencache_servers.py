"""Revocation stays exact with the token cache on: two gunicorn servers, one PostgreSQL.

Each server is its own process with its own cache and listener, as two hosts
would be. A change made through one server, or by raw SQL as an operator would,
is refused (or seen) on both within a second here; `make bench` measures the
propagation time properly (p50/p99/max).
"""

import json
import os
import time
import urllib.error
import urllib.request
import uuid

import pytest
from django.db import connection

from accounts.models import Token, User
from accounts.tokencache import listener
from tests.test_multiprocess import gunicorn_servers

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
]
PASSWORD = "plum-tree orbit harbour lantern"


def _request(port: int, method: str, path: str, raw: str, body: dict | None = None):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {raw}", "Content-Type": "application/json"},
        method=method,
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _status(port: int, raw: str) -> int:
    return _request(port, "GET", "/api/auth/me/", raw)[0]


def _until(condition, timeout: float = 1.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return condition()


def _listeners() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE application_name = %s AND datname = current_database()",
            [listener.APPLICATION_NAME],
        )
        return cursor.fetchone()[0]


@pytest.fixture
def servers():
    settings_dict = connection.settings_dict
    url = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}"
        f"/{settings_dict['NAME']}"
    )
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "authsite.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "tokencache-test-" + uuid.uuid4().hex * 2,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_EMAIL_BACKEND": "console",
        "DATABASE_URL": url,
        "ACCOUNTS_TOKEN_CACHE": "on",
        "DJANGO_LOG_LEVEL": "ERROR",
        "REDIS_URL": "",
    }
    with gunicorn_servers(env, count=2, threads=2) as ports:
        yield ports


@pytest.fixture
def warm(servers):
    """A user with two tokens, each cached on both servers."""
    user = User.objects.create_user("cache@example.com", PASSWORD)
    _, first = Token.objects.issue(user)
    _, second = Token.objects.issue(user)
    for port in servers:
        assert _status(port, first) == 200  # starts the server's listener
    assert _until(lambda: _listeners() == 2, timeout=5)
    time.sleep(0.2)  # the listener serves once LISTEN has returned
    for port in servers:
        for raw in (first, second):
            assert _status(port, raw) == 200
    return user, first, second


def test_logout_on_one_server_is_refused_on_both(servers, warm):
    a, b = servers
    _, first, second = warm
    assert _request(a, "POST", "/api/auth/logout/", first)[0] == 204
    assert _until(lambda: _status(a, first) == 401 and _status(b, first) == 401)
    assert _status(b, second) == 200


def test_raw_sql_revoke_is_refused_on_both(servers, warm):
    _, first, _ = warm
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_token SET revoked_at = now()")
    assert _until(lambda: all(_status(port, first) == 401 for port in servers))


def test_deactivation_by_raw_sql_is_refused_on_both(servers, warm):
    user, first, second = warm
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_user SET is_active = false WHERE id = %s", [user.pk])
    assert _until(
        lambda: all(_status(port, raw) == 401 for port in servers for raw in (first, second))
    )


def test_password_change_on_one_server_revokes_the_others_on_both(servers, warm):
    a, b = servers
    _, first, second = warm
    status, _ = _request(
        a,
        "POST",
        "/api/auth/password/change/",
        first,
        {"current_password": PASSWORD, "new_password": "a different long passphrase 7"},
    )
    assert status == 204
    assert _until(lambda: _status(a, second) == 401 and _status(b, second) == 401)
    assert _status(b, first) == 200


def test_profile_change_on_one_server_is_seen_on_the_other(servers, warm):
    a, b = servers
    _, first, _ = warm
    status, body = _request(a, "PATCH", "/api/auth/me/", first, {"first_name": "Grace"})
    assert status == 200 and body["first_name"] == "Grace"
    assert _until(
        lambda: _request(b, "GET", "/api/auth/me/", first)[1].get("first_name") == "Grace"
    )


def test_listener_disconnect_bypasses_the_cache_until_it_reconnects(servers, warm):
    _, first, _ = warm
    with connection.cursor() as cursor:
        # Drop the triggers' connections' counterpart: every server's listener.
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = %s AND datname = current_database()",
            [listener.APPLICATION_NAME],
        )
        cursor.execute("UPDATE accounts_token SET revoked_at = now()")
    # Whatever the listeners missed while down, nothing stale is served.
    assert _until(lambda: all(_status(port, first) == 401 for port in servers))
    assert _until(lambda: _listeners() == 2, timeout=5)
    for port in servers:
        assert _status(port, first) == 401
