"""The in-process token cache: served only with its listener, evicted by notifications.

These run outside a test transaction (the cache neither reads nor stores inside
one), on PostgreSQL only; the multi-process checks are in test_tokencache_servers.py.
"""

import threading
import time

import psycopg
import pytest
from django.db import connection

from accounts.models import Token, User
from accounts.tokencache import listener, lookup
from accounts.tokencache.cache import token_cache
from accounts.tokens import keys as tokens

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
]


def _wait(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


@pytest.fixture
def listening(settings):
    settings.ACCOUNTS_TOKEN_CACHE = "on"
    listener.ensure_started()
    assert _wait(lambda: token_cache.connected)
    yield
    listener.stop()


def _issue():
    user = User.objects.create_user(f"c{time.monotonic_ns()}@example.com", None)
    token, raw = Token.objects.issue(user)
    return user, token, tokens.digest(raw)


def test_second_lookup_is_served_without_a_query(listening, django_assert_num_queries):
    _, token, digest = _issue()
    assert lookup.find(digest).pk == token.pk
    with django_assert_num_queries(0):
        assert lookup.find(digest).pk == token.pk


def test_raw_sql_revoke_evicts_through_the_notification(listening):
    _, token, digest = _issue()
    lookup.find(digest)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_token SET revoked_at = now() WHERE id = %s", [token.pk])
    assert _wait(lambda: digest not in token_cache, timeout=1.0)
    assert lookup.find(digest).revoked_at is not None


def test_user_change_by_queryset_update_evicts(listening):
    user, _, digest = _issue()
    lookup.find(digest)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert _wait(lambda: digest not in token_cache, timeout=1.0)
    assert lookup.find(digest).user.is_active is False


def test_last_used_write_does_not_evict(listening):
    _, token, digest = _issue()
    lookup.find(digest)
    generation = token_cache.generation
    Token.objects.filter(pk=token.pk).update(last_used_at=token.created_at)
    time.sleep(0.3)
    assert digest in token_cache
    assert token_cache.generation == generation


def test_row_read_during_an_eviction_is_not_stored(listening):
    _, token, digest = _issue()
    generation = token_cache.generation
    token_cache.evict_token(token.pk)  # a notification arriving between read and store
    row = (0,) * 3
    token_cache.put(digest, row, token.pk, token.user_id, generation, size=10)
    assert digest not in token_cache


def test_cache_is_bypassed_while_the_listener_is_disconnected(listening, settings):
    _, _, digest = _issue()
    lookup.find(digest)
    assert digest in token_cache
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = %s AND datname = current_database()",
            [listener.APPLICATION_NAME],
        )
    assert _wait(lambda: not token_cache.connected, timeout=2.0)
    assert len(token_cache) == 0
    # It reconnects, flushed, and serves again.
    assert _wait(lambda: token_cache.connected, timeout=5.0)
    lookup.find(digest)
    assert digest in token_cache


def test_inside_a_transaction_nothing_is_stored(listening):
    from django.db import transaction

    _, _, digest = _issue()
    with transaction.atomic():
        lookup.find(digest)
    assert digest not in token_cache


def test_cache_off_stores_nothing(listening, settings):
    settings.ACCOUNTS_TOKEN_CACHE = "off"
    _, _, digest = _issue()
    lookup.find(digest)
    assert digest not in token_cache


def test_cached_token_records_use_once_per_interval(listening, django_assert_num_queries):
    from accounts.tokens import last_used
    from accounts.tokens.authentication import TokenAuthentication

    user = User.objects.create_user(f"u{time.monotonic_ns()}@example.com", None)
    token, raw = Token.objects.issue(user)
    auth = TokenAuthentication()
    auth.authenticate_credentials(raw)  # loads and caches the row, queues the first write
    assert last_used.flush() == 1
    with django_assert_num_queries(0):
        for _ in range(3):
            _, cached = auth.authenticate_credentials(raw)
            assert last_used.flush() == 0
    assert cached.last_used_at is not None


def test_a_stuck_listener_stops_the_cache_serving_within_the_bound(settings, monkeypatch):
    settings.ACCOUNTS_TOKEN_CACHE = "on"
    settings.ACCOUNTS_TOKEN_CACHE_HEARTBEAT_MAX_AGE = 1
    release = threading.Event()
    # The listener thread hangs on the next notification: it neither evicts nor beats.
    monkeypatch.setattr(listener, "_handle", lambda payload: release.wait(30))
    listener.ensure_started()
    try:
        assert _wait(lambda: token_cache.connected)
        _, token, digest = _issue()
        lookup.find(digest)
        assert digest in token_cache
        with connection.cursor() as cursor:
            cursor.execute("UPDATE accounts_token SET revoked_at = now() WHERE id = %s", [token.pk])
        revoked_at = time.monotonic()
        assert lookup.find(digest).revoked_at is None  # still served: nothing evicted it
        assert _wait(lambda: lookup.find(digest).revoked_at is not None, timeout=3.0)
        assert time.monotonic() - revoked_at < 1.5
        assert digest in token_cache  # never evicted: the request path stopped trusting it
    finally:
        release.set()
        listener.stop()


def test_the_heartbeat_wait_is_bounded_on_the_client():
    """A server that never answers (frozen) ends the wait after the bound, not never."""
    with listener.HeartbeatConnection.connect(**listener.connection_params("default")) as conn:
        conn.bound = 0.5
        started = time.monotonic()
        with pytest.raises(psycopg.OperationalError):
            conn.execute("SELECT pg_sleep(5)")
        assert time.monotonic() - started < 2
        assert conn.closed


def test_a_request_served_from_the_cache_opens_no_connection_and_runs_no_query(listening):
    """The whole shipped stack (middleware, DRF, /me): a cache hit touches no database."""
    from django.db import connections
    from django.db.backends.signals import connection_created
    from django.test import Client

    user = User.objects.create_user(f"hit{time.monotonic_ns()}@example.com", None)
    _, raw = Token.objects.issue(user)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    # The first request reads the row (and records the token's first use), the next one
    # is a hit; from then on within the last-use interval nothing is written either.
    for _ in range(2):
        assert client.get("/api/auth/me/").status_code == 200
    opened, queries = [], []

    def count_query(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    def count_open(sender, connection, **kwargs):
        opened.append(connection.alias)

    # Django's test client keeps this thread's connection across requests (a server
    # hands it back after each one): hand it back here, so any use would open one.
    connections["default"].close()
    connection_created.connect(count_open)
    try:
        with connections["default"].execute_wrapper(count_query):
            response = client.get("/api/auth/me/")
    finally:
        connection_created.disconnect(count_open)
    assert response.status_code == 200
    assert response.json()["email"] == user.email
    assert opened == []
    assert queries == []
    assert connections["default"].connection is None
