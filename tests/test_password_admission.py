"""A burst of password hashes degrades into quick 503s, never into late answers."""

import threading
import time

import pytest
from django.test import Client

from accounts.http.admission import QUEUED_AT
from accounts.passwords import admission
from accounts.ratelimit import lockout

LOGIN = "/api/auth/login/"
BUSY = {"detail": "Too many sign-ins at once. Please try again in a few seconds."}


@pytest.fixture
def busy(settings, user):
    """Every hashing slot of the process held by someone else until the test ends."""
    settings.ACCOUNTS_PASSWORD_HASHES_AT_ONCE = 1
    settings.ACCOUNTS_PASSWORD_HASH_WAIT = 1
    semaphore = admission._semaphore()
    assert semaphore.acquire(timeout=5)
    yield
    semaphore.release()


def _login(api_client, user, password, **extra):
    return api_client.post(
        LOGIN, {"email": user.email, "password": password}, format="json", **extra
    )


def test_a_login_that_cannot_start_its_hash_in_time_is_a_quick_503(
    busy, api_client, user, password
):
    started = time.monotonic()
    response = _login(api_client, user, password)
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json() == BUSY
    assert response["Retry-After"] == "5"
    assert 0.9 < elapsed < 2.0  # waited its ACCOUNTS_PASSWORD_HASH_WAIT, no longer


def test_a_request_that_waited_for_a_thread_already_is_refused_at_once(
    busy, api_client, user, password
):
    # The server queued it 2 s ago (authsite.workers.ThreadWorker): its second is spent.
    started = time.monotonic()
    response = _login(api_client, user, password, **{QUEUED_AT: time.monotonic() - 2.0})
    assert response.status_code == 503
    assert time.monotonic() - started < 0.5


def test_a_refused_login_is_no_attempt_against_the_account_lock(
    busy, api_client, user, password, settings
):
    settings.ACCOUNTS_LOGIN_MAX_FAILURES = 2
    for _ in range(3):
        assert _login(api_client, user, password, **{QUEUED_AT: 0.0}).status_code == 503
    assert not lockout.is_locked(user.email)
    admission._semaphore().release()
    try:
        assert _login(api_client, user, password).status_code == 200
    finally:
        admission._semaphore().acquire()


def test_a_hash_starts_once_a_slot_frees_within_the_wait(busy, api_client, user, password):
    threading.Timer(0.3, admission._semaphore().release).start()
    response = _login(api_client, user, password)
    admission._semaphore().acquire()  # give the fixture its slot back
    assert response.status_code == 200


def test_the_admin_login_page_is_a_503_page_too(admin_user, busy, password):
    response = Client().post("/admin/login/", {"username": admin_user.email, "password": password})
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert b"Service temporarily unavailable" in response.content


def test_work_outside_a_request_waits_for_its_slot(busy, user):
    threading.Timer(1.5, admission._semaphore().release).start()
    started = time.monotonic()
    user.set_password("another long passphrase here")  # a command: no deadline
    assert time.monotonic() - started > 1.4
    assert user.check_password("another long passphrase here")
    admission._semaphore().acquire()
