"""Parallel wrong second-factor codes cannot overshoot the per-account lock.

Each code is counted against the account before it is checked (the password path's
atomic claim), so 50 wrong codes at once over 10 pending logins make at most
ACCOUNTS_LOGIN_MAX_FAILURES real checks.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from accounts.mfa import login
from accounts.mfa.models import Authenticator, Challenge
from accounts.passwords.hashers import Argon2idPasswordHasher
from accounts.ratelimit import lockout
from accounts.ratelimit.counters import counter_cache

PENDING = 10
GUESSES = 50


def _in_thread(function):
    def run(*args):
        try:
            return function(*args)
        finally:
            connections.close_all()

    return run


@pytest.fixture
def slow_code_checks(monkeypatch, settings) -> list[str]:
    """Record every TOTP check, each made slow (50 ms) so parallel codes overlap."""
    monkeypatch.setattr(Argon2idPasswordHasher, "memory_cost", 1024)
    monkeypatch.setattr(Argon2idPasswordHasher, "time_cost", 1)
    checked: list[str] = []
    lock = threading.Lock()
    original = Authenticator.verify

    def verify(self, code, now=None):
        with lock:
            checked.append(code)
        time.sleep(0.05)  # sleeping releases the GIL: the other codes run meanwhile
        return original(self, code, now)

    monkeypatch.setattr(Authenticator, "verify", verify)
    settings.ACCOUNTS_MFA_MAX_PENDING_LOGINS = PENDING
    # As tests/test_lockout_race.py: the database cache on SQLite is not for threads.
    if connection.vendor != "postgresql" and "redis" not in settings.CACHES["default"]["BACKEND"]:
        settings.CACHES = {
            **settings.CACHES,
            "race": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        }
        settings.ACCOUNTS_CACHE = "race"
    counter_cache().clear()
    return checked


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_codes_check_at_most_the_limit(slow_code_checks, mfa):
    # The code step's check itself (no writes for a wrong code), so it runs on SQLite too.
    challenges = [Challenge.objects.issue(mfa.user, token_name="")[0] for _ in range(PENDING)]
    check = _in_thread(lambda n: login.check_code(challenges[n % PENDING], f"{n:06d}", None))
    with ThreadPoolExecutor(max_workers=GUESSES) as pool:
        results = list(pool.map(check, range(GUESSES)))
    assert results == [None] * GUESSES
    assert len(slow_code_checks) <= 10
    assert lockout.is_locked(mfa.user.email)
    # Locked: the right code is refused, unchecked.
    slow_code_checks.clear()
    assert login.check_code(challenges[0], mfa.code(), None) is None
    assert slow_code_checks == []


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="50 parallel writers need PostgreSQL's row locks"
)
@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_codes_over_http_check_at_most_the_limit(slow_code_checks, mfa, password):
    client = APIClient()
    pending = []
    for _ in range(PENDING):
        response = client.post(
            "/api/auth/login/", {"email": mfa.user.email, "password": password}, format="json"
        )
        assert response.status_code == 200
        pending.append(response.json()["mfa_token"])
    assert not lockout.is_locked(mfa.user.email)

    def guess(n: int):
        try:
            body = {"mfa_token": pending[n % PENDING], "code": f"{n:06d}"}
            response = APIClient().post("/api/auth/login/mfa/", body, format="json")
            return response.status_code, response.json()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=GUESSES) as pool:
        results = list(pool.map(guess, range(GUESSES)))
    assert {status for status, _body in results} == {400}
    assert all(set(body) in ({"code"}, {"mfa_token"}) for _status, body in results)
    assert len(slow_code_checks) <= 10
    assert lockout.is_locked(mfa.user.email)
    # Locked: even the right password is refused until the window ends.
    response = client.post(
        "/api/auth/login/", {"email": mfa.user.email, "password": password}, format="json"
    )
    assert response.status_code == 400 and "mfa_token" not in response.json()
