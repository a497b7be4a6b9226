"""Database settings that keep failures short: timeouts, the pool, SQLite's WAL and busy wait."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "plum-tree orbit harbour lantern"


@pytest.mark.django_db(transaction=True)
def test_registration_hashes_the_password_before_the_transaction_opens(api_client, monkeypatch):
    inside_transaction = []
    original = Argon2PasswordHasher.encode

    def encode(self, *args, **kwargs):
        inside_transaction.append(connection.in_atomic_block)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Argon2PasswordHasher, "encode", encode)
    response = api_client.post(
        "/api/auth/register/", {"email": "ada@example.com", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 201
    assert inside_transaction == [False]


def _settings(env: dict, code: str) -> str:
    base = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "authsite.settings",
        "DJANGO_DEBUG": "1",
    }
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**base, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_postgresql_uses_a_bounded_pool_with_timeouts():
    out = _settings(
        {
            "DATABASE_URL": "postgres://app@db.example.com/app",
            "DJANGO_DB_POOL_MAX_SIZE": "6",
            "DJANGO_DB_STATEMENT_TIMEOUT": "2.5",
        },
        "from django.conf import settings as s; import json; d = s.DATABASES['default'];"
        "o = d['OPTIONS']; p = o['pool'];"
        "print(json.dumps([d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'], o['connect_timeout'],"
        " o['options'], p['max_size'], p['timeout'], p['min_size'],"
        " p['connection_class'].__name__, s.DATABASE_READ_TIMEOUT]))",
    )
    # CONN_HEALTH_CHECKS with a pool is psycopg-pool's check on checkout.
    assert json.loads(out) == [
        0,
        True,
        3,
        "-c statement_timeout=2500",
        6,
        2.0,
        1,
        "BoundedConnection",
        3.5,
    ]


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    out = _settings(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "DJANGO_DB_SQLITE_TIMEOUT": "7"},
        "from django.db import connection as c; cur = c.cursor();"
        "print(cur.execute('PRAGMA journal_mode').fetchone()[0],"
        " cur.execute('PRAGMA synchronous').fetchone()[0],"
        " cur.execute('PRAGMA busy_timeout').fetchone()[0], c.settings_dict['CONN_MAX_AGE'])",
    )
    # synchronous=1 is NORMAL; the busy timeout is in milliseconds; connections persist.
    assert out.split() == ["wal", "1", "7000", "60"]


def test_redis_fails_fast():
    out = _settings(
        {"REDIS_URL": "redis://127.0.0.1:1/0"},
        "from django.conf import settings as s; print(s.CACHES['default']['OPTIONS'])",
    )
    assert "'SOCKET_CONNECT_TIMEOUT': 0.5" in out and "'SOCKET_TIMEOUT': 0.5" in out


def test_a_server_that_does_not_answer_is_given_up_on(settings):
    """The client-side bound (authsite/db.py): the query outlives it, the wait does not."""
    import psycopg

    from authsite.db import BoundedConnection

    url = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        conn = BoundedConnection.connect(url, connect_timeout=2, autocommit=True)
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL is not reachable at {url}: {error}")
    settings.DATABASE_READ_TIMEOUT = 0.5
    started = time.monotonic()
    with pytest.raises(psycopg.OperationalError, match="did not answer within 0.5 seconds"):
        conn.execute("SELECT pg_sleep(3)")
    assert time.monotonic() - started < 1.5
    assert conn.closed


def test_a_pool_smaller_than_its_minimum_stops_start_up():
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DJANGO_DEBUG": "1"}
    env = {
        "DATABASE_URL": "postgres://app@db.example.com/app",
        "DJANGO_DB_POOL_MIN_SIZE": "5",
        "DJANGO_DB_POOL_MAX_SIZE": "2",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        env={**base, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DJANGO_DB_POOL_MIN_SIZE (5) cannot exceed DJANGO_DB_POOL_MAX_SIZE (2)." in result.stderr
