from datetime import timedelta

import time_machine
from django.core.cache import caches
from django.utils import timezone

from accounts.counters import hit


def test_the_default_cache_is_the_database_table(settings):
    assert settings.CACHES["default"]["BACKEND"] == "accounts.cache.DatabaseCache"
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
