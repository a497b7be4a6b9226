"""Parallel guesses cannot overshoot the per-account lock.

Each guess is counted before its password is checked, so however many arrive at
once, at most ACCOUNTS_LOGIN_MAX_FAILURES passwords are checked per window.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db import connection, connections

from accounts.models import User
from accounts.passwords.hashers import Argon2idPasswordHasher
from accounts.ratelimit import lockout
from accounts.ratelimit.backends import LockoutBackend
from accounts.ratelimit.counters import counter_cache

PASSWORD = "correct horse battery staple 42"
GUESSES = 30


@pytest.fixture
def slow_checks(monkeypatch, settings) -> list[str]:
    """Count password checks, each made slow (50 ms) so parallel guesses overlap.

    The hashes themselves are cheap (1 MiB): 30 parallel 64 MiB hashes would need 2 GB.
    """
    monkeypatch.setattr(Argon2idPasswordHasher, "memory_cost", 1024)
    monkeypatch.setattr(Argon2idPasswordHasher, "time_cost", 1)
    checked: list[str] = []
    lock = threading.Lock()
    original = Argon2PasswordHasher.verify

    def verify(self, password, encoded):
        with lock:
            checked.append(password)
        time.sleep(0.05)  # sleeping releases the GIL: the other guesses run meanwhile
        return original(self, password, encoded)

    monkeypatch.setattr(Argon2PasswordHasher, "verify", verify)
    # The database cache on SQLite is not for threads; locmem increments atomically too.
    if connection.vendor != "postgresql" and "redis" not in settings.CACHES["default"]["BACKEND"]:
        settings.CACHES = {
            **settings.CACHES,
            "race": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        }
        settings.ACCOUNTS_CACHE = "race"
    # Neither locmem nor the cache table is emptied with the test database.
    counter_cache().clear()
    return checked


def _in_thread(function):
    def run(*args):
        try:
            return function(*args)
        finally:
            connections.close_all()

    return run


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_logins_check_at_most_the_limit(slow_checks):
    user = User.objects.create_user("race@example.com", PASSWORD)
    backend = LockoutBackend()
    login = _in_thread(lambda n: backend.authenticate(None, email=user.email, password=f"g{n}"))
    with ThreadPoolExecutor(max_workers=GUESSES) as pool:
        results = list(pool.map(login, range(GUESSES)))
    assert results == [None] * GUESSES
    assert len(slow_checks) <= 10
    # The right password inside the window is refused, unchecked.
    slow_checks.clear()
    assert backend.authenticate(None, email=user.email, password=PASSWORD) is None
    assert slow_checks == []
    assert lockout.is_locked(user.email)


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_reauthentications_check_at_most_the_limit(slow_checks):
    user = User.objects.create_user("race@example.com", PASSWORD)
    check = _in_thread(lambda n: lockout.check_password(user, f"guess {n}"))
    with ThreadPoolExecutor(max_workers=GUESSES) as pool:
        results = list(pool.map(check, range(GUESSES)))
    assert results == [False] * GUESSES
    assert len(slow_checks) <= 10
    assert lockout.check_password(user, PASSWORD) is False


@pytest.mark.django_db(transaction=True)
def test_parallel_logins_with_the_right_password_all_succeed(slow_checks):
    # The lock bounds guesses, not a client that logs in many times at once: a check over
    # the limit waits for the running ones, and each success starts the count again.
    user = User.objects.create_user("busy@example.com", PASSWORD)
    backend = LockoutBackend()
    login = _in_thread(lambda n: backend.authenticate(None, email=user.email, password=PASSWORD))
    with ThreadPoolExecutor(max_workers=GUESSES) as pool:
        results = list(pool.map(login, range(GUESSES)))
    assert [result.pk if result else None for result in results] == [user.pk] * GUESSES
    assert len(slow_checks) == GUESSES
    assert not lockout.is_locked(user.email)
