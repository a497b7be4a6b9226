"""The token cache with its listeners frozen: two gunicorn servers on a PostgreSQL of their own.

Freezing only the listeners' backends (SIGSTOP) leaves the database answering every
other query, so nothing fails loudly: notifications simply stop arriving. The cache
must then stop serving within ACCOUNTS_TOKEN_CACHE_HEARTBEAT_MAX_AGE (3 s by default),
so a token revoked by raw SQL is refused on both servers within that bound.
Run with `make test-multinode`.
"""

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from accounts.tokencache.listener import APPLICATION_NAME
from tests.multinode.conftest import PASSWORD

pytestmark = pytest.mark.multinode

BOUND = 3.0  # ACCOUNTS_TOKEN_CACHE_HEARTBEAT_MAX_AGE's default
# Time for one poll of both servers to see the refusal once the bound has passed.
SLACK = 1.0


def _listener_pids(url: str) -> list[int]:
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", [APPLICATION_NAME]
        ).fetchall()
    return [pid for (pid,) in rows]


def _until(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_frozen_listeners_stop_the_cache_serving_a_revoked_token_within_the_bound(
    cluster, postgres
):
    a, b = cluster
    email = "frozen-listener@example.com"
    registered = a.request(
        "POST", "/api/auth/register/", data={"email": email, "password": PASSWORD}
    )
    assert registered.status == 201, registered.body
    token = a.login(email, PASSWORD)

    # Every worker of both servers (2 each) starts its listener and caches the token.
    # Concurrent requests, so that both workers of a server serve some: one after another,
    # the same idle worker can win every accept.
    def serve_both_workers_of_both_servers() -> bool:
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(
                pool.map(
                    lambda s: s.request("GET", "/api/auth/me/", token=token).status, [a, b] * 8
                )
            )
        assert set(statuses) == {200}, statuses
        return len(_listener_pids(postgres.url)) == 4

    assert _until(serve_both_workers_of_both_servers, 30)
    pids = _listener_pids(postgres.url)
    for server in (a, b):
        assert server.request("GET", "/api/auth/me/", token=token).status == 200
    served_after_revoke, statuses = [], []
    try:
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        with psycopg.connect(postgres.url, autocommit=True) as conn:
            conn.execute(
                "UPDATE accounts_token SET revoked_at = now() WHERE user_id = "
                "(SELECT id FROM accounts_user WHERE email = %s)",
                [email],
            )
        revoked_at = time.monotonic()
        while time.monotonic() - revoked_at < BOUND + 4:
            for server in (a, b):
                started = time.monotonic()
                status = server.request("GET", "/api/auth/me/", token=token).status
                statuses.append(status)
                if status == 200:
                    served_after_revoke.append(started - revoked_at)
            time.sleep(0.05)
    finally:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
    assert set(statuses) <= {200, 401}
    # The freeze held the notifications back: the caches went on serving the row...
    assert served_after_revoke, "no server served the token after the revoke"
    # ...but only within the bound, on both servers.
    assert max(served_after_revoke) < BOUND + SLACK, served_after_revoke
    assert statuses[-6:] == [401] * 6
    for server in (a, b):
        assert "Traceback" not in server.text()
    # The listeners reconnect on fresh backends and the cache serves again.
    fresh = b.login(email, PASSWORD)
    assert _until(lambda: len(set(_listener_pids(postgres.url)) - set(pids)) == 4, 20)
    for server in (a, b):
        assert server.request("GET", "/api/auth/me/", token=fresh).status == 200
