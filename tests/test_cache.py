from datetime import timedelta

import time_machine
from django.core.cache import caches
from django.utils import timezone

from accounts.ratelimit.counters import hit


def test_the_default_cache_is_the_database_table(settings):
    assert settings.CACHES["default"]["BACKEND"] == "accounts.ratelimit.cache.DatabaseCache"
    assert settings.CACHES["default"]["OPTIONS"]["MAX_ENTRIES"] >= 1_000_000


def test_incr_keeps_the_expiry_of_the_key(db):
    cache = caches["default"]
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        cache.set("counter", 1, 60)
        assert cache.incr("counter") == 2
        assert cache.incr("counter", 5) == 7
    with time_machine.travel(start + timedelta(seconds=59), tick=False):
        assert cache.get("counter") == 7
    # Django's own incr would have re-set the key with the default 300 s timeout.
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert cache.get("counter") is None


def test_incr_of_a_missing_or_expired_key_raises_like_django(db):
    import pytest

    cache = caches["default"]
    with pytest.raises(ValueError):
        cache.incr("missing")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        cache.set("short", 1, 5)
    with time_machine.travel(start + timedelta(seconds=6), tick=False):
        with pytest.raises(ValueError):
            cache.incr("short")


def test_hit_counts_within_a_window_and_starts_again_after_it(db):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert [hit("k", 10) for _ in range(3)] == [1, 2, 3]
    with time_machine.travel(start + timedelta(seconds=11), tick=False):
        assert hit("k", 10) == 1


def test_redis_is_used_when_redis_url_is_set():
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.CACHES['default']['BACKEND'], settings.CACHES['default']['LOCATION'])",
        ],
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "authsite.settings",
            "DJANGO_DEBUG": "1",
            "REDIS_URL": "redis://127.0.0.1:6379/5",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["django_redis.cache.RedisCache", "redis://127.0.0.1:6379/5"]


def test_sqlite_transactions_take_the_write_lock_up_front(settings):
    import pytest

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("SQLite only")
    assert settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def _cache_sql(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "authsite_cache" in q["sql"]]


def test_a_counter_update_never_counts_the_table(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        for _ in range(20):
            hit("throttle-key", 60)
    statements = _cache_sql(queries)
    assert statements
    # Django's backend runs SELECT COUNT(*) over the whole table before every write.
    assert not [sql for sql in statements if "COUNT(" in sql.upper()]


def test_add_of_a_live_key_returns_false_without_a_failed_insert(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache = caches["default"]
    assert cache.add("once", "first", 60) is True
    with CaptureQueriesContext(connection) as queries:
        assert cache.add("once", "second", 60) is False
    assert cache.get("once") == "first"
    # One upsert that leaves the live row alone: no duplicate-key error, so PostgreSQL
    # logs nothing and the surrounding transaction (this test's) is still usable.
    [insert] = _cache_sql(queries)
    assert "ON CONFLICT" in insert.upper()
    assert cache.add("other", 1, 60) is True


def test_add_replaces_an_expired_key(db):
    cache = caches["default"]
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        cache.set("window", 5, 10)
    with time_machine.travel(start + timedelta(seconds=11), tick=False):
        assert cache.add("window", 0, 10) is True
        assert cache.get("window") == 0
        assert cache.incr("window") == 1


def test_set_overwrites_and_touch_extends_only_live_keys(db):
    cache = caches["default"]
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        cache.set("k", 1, 10)
        cache.set("k", 2, 10)
        assert cache.touch("k", 100) is True
        assert cache.touch("missing", 100) is False
        cache.set("gone", 1, 5)
    with time_machine.travel(start + timedelta(seconds=50), tick=False):
        assert cache.get("k") == 2
        assert cache.touch("gone", 100) is False
        assert cache.get("gone") is None


def _rows() -> set[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM authsite_cache")
        return {row[0].rsplit(":", 1)[-1] for row in cursor.fetchall()}


def test_every_nth_write_deletes_expired_rows(db, monkeypatch):
    import itertools

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.ratelimit.cache import DatabaseCache

    monkeypatch.setattr(DatabaseCache, "_writes", itertools.count(1))
    cache = DatabaseCache(
        "authsite_cache", {"KEY_PREFIX": "authsite", "OPTIONS": {"CULL_EVERY": 3}}
    )
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        cache.set("old-1", 1, 5)
        cache.set("old-2", 1, 5)
    with time_machine.travel(start + timedelta(seconds=10), tick=False):
        with CaptureQueriesContext(connection) as queries:
            cache.set("new", 1, 60)  # the third write culls
        assert _rows() == {"new"}
        assert len([sql for sql in _cache_sql(queries) if "COUNT(" in sql.upper()]) == 1


def test_purgecache_deletes_expired_rows_only(db):
    from io import StringIO

    from django.core.management import call_command

    cache = caches["default"]
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for name in ("a", "b", "c"):
            cache.set(f"expired-{name}", 1, 5)
        cache.set("live", 1, 3600)
        cache.set("forever", 1, None)
    with time_machine.travel(start + timedelta(seconds=10), tick=False):
        out = StringIO()
        call_command("purgecache", "--batch-size", "2", stdout=out)
    assert out.getvalue() == "Deleted 3 expired cache rows.\n"
    assert _rows() == {"live", "forever"}


def test_purgecache_with_redis_has_nothing_to_do(settings):
    from io import StringIO

    from django.core.management import call_command

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    out = StringIO()
    call_command("purgecache", stdout=out)
    assert out.getvalue() == "No database cache is configured; nothing to delete.\n"
