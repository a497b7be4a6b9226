from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Token
from accounts.ratelimit import lockout

LOGIN = "/api/auth/login/"
FAILURE = {"non_field_errors": ["Unable to log in with provided credentials."]}


def _login(client, email, password):
    return client.post(LOGIN, {"email": email, "password": password}, format="json")


def _fail(client, email, times):
    for _ in range(times):
        assert _login(client, email, "not the password at all").json() == FAILURE


def test_ten_failures_lock_the_account_even_for_the_right_password(api_client, user, password):
    _fail(api_client, user.email, 10)
    response = _login(api_client, user.email, password)
    assert response.status_code == 400
    assert response.json() == FAILURE
    assert "Retry-After" not in response
    assert not Token.objects.exists()


def test_nine_failures_do_not_lock(api_client, user, password):
    _fail(api_client, user.email, 9)
    assert _login(api_client, user.email, password).status_code == 200


def test_success_resets_the_count(api_client, user, password):
    _fail(api_client, user.email, 9)
    assert _login(api_client, user.email, password).status_code == 200
    _fail(api_client, user.email, 9)
    assert _login(api_client, user.email, password).status_code == 200


def test_locked_existing_and_unknown_emails_answer_identically(api_client, user, password):
    _fail(api_client, user.email, 10)
    _fail(api_client, "ghost@example.com", 10)
    existing = _login(api_client, user.email, password)
    unknown = _login(api_client, "ghost@example.com", password)
    assert (existing.status_code, existing.json()) == (unknown.status_code, unknown.json())
    assert dict(existing.items()).keys() == dict(unknown.items()).keys()


def test_the_lock_counts_the_normalised_email(api_client, user, password):
    for variant in ["ALICE@example.com", " alice@EXAMPLE.com ", "Alice@Example.Com"] * 4:
        _login(api_client, variant, "wrong wrong wrong wrong")
    assert _login(api_client, user.email, password).json() == FAILURE


def test_the_lock_is_per_email(api_client, user, other_user, password):
    _fail(api_client, user.email, 10)
    assert _login(api_client, other_user.email, password).status_code == 200


def test_the_lock_lifts_when_the_window_ends(api_client, user, password):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _fail(api_client, user.email, 10)
    with time_machine.travel(start + timedelta(seconds=899), tick=False):
        assert _login(api_client, user.email, password).status_code == 400
    with time_machine.travel(start + timedelta(seconds=901), tick=False):
        assert _login(api_client, user.email, password).status_code == 200


def test_failures_spread_over_more_than_a_window_do_not_lock(api_client, user, password):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _fail(api_client, user.email, 9)
    with time_machine.travel(start + timedelta(seconds=901), tick=False):
        _fail(api_client, user.email, 9)
        assert _login(api_client, user.email, password).status_code == 200


def test_limits_are_read_from_settings(api_client, user, password, settings):
    settings.ACCOUNTS_LOGIN_MAX_FAILURES = 3
    settings.ACCOUNTS_LOGIN_FAILURE_WINDOW = 60
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _fail(api_client, user.email, 3)
        assert _login(api_client, user.email, password).status_code == 400
        assert lockout.retry_after(user.email) == 60
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert _login(api_client, user.email, password).status_code == 200


def test_zero_max_failures_switches_the_lock_off(api_client, user, password, settings):
    settings.ACCOUNTS_LOGIN_MAX_FAILURES = 0
    _fail(api_client, user.email, 12)
    assert _login(api_client, user.email, password).status_code == 200


def test_a_locked_login_hashes_once_and_never_checks_the_real_password(
    api_client, user, password, hasher_calls
):
    _fail(api_client, user.email, 10)
    hasher_calls.clear()
    assert _login(api_client, user.email, password).json() == FAILURE
    # A dummy hash like the one for an unknown email: the stored hash is not consulted.
    assert hasher_calls == ["encode"]
    user.refresh_from_db()
    assert user.last_login is None


def test_counters_hold_no_email(user, api_client):
    from django.db import connection

    _fail(api_client, user.email, 2)
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM authsite_cache")
        keys = [row[0] for row in cursor.fetchall()]
    assert keys and not any("alice" in key for key in keys)


@pytest.mark.parametrize("path", ["/admin/login/", "/api-auth/login/"])
def test_browser_logins_share_the_account_lock(client, api_client, db, path):
    from accounts.models import User

    admin = User.objects.create_superuser("root@example.com", "an admin passphrase 1")
    # Failures through the browser lock the API ...
    for _ in range(10):
        response = client.post(path, {"username": admin.email, "password": "wrong guess 12345"})
        assert response.status_code == 200
        assert b"Please enter a correct email address and password." in response.content
    assert _login(api_client, admin.email, "an admin passphrase 1").json() == FAILURE
    # ... and the browser refuses the right password too, with the same message.
    response = client.post(path, {"username": admin.email, "password": "an admin passphrase 1"})
    assert response.status_code == 200
    assert b"Please enter a correct email address and password." in response.content
    assert "_auth_user_id" not in client.session


def test_api_failures_lock_the_admin_login(client, api_client, db):
    from accounts.models import User

    admin = User.objects.create_superuser("root@example.com", "an admin passphrase 1")
    _fail(api_client, admin.email, 10)
    response = client.post(
        "/admin/login/", {"username": admin.email, "password": "an admin passphrase 1"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_admin_login_message_is_the_same_for_non_staff(client, user, password):
    response = client.post("/admin/login/", {"username": user.email, "password": password})
    assert response.status_code == 200
    assert b"Please enter a correct email address and password." in response.content


def test_admin_login_still_works(client, db):
    from accounts.models import User

    User.objects.create_superuser("root@example.com", "an admin passphrase 1")
    response = client.post(
        "/admin/login/", {"username": "root@example.com", "password": "an admin passphrase 1"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_a_reset_starts_a_new_count_even_within_the_same_second(user):
    # The clock is frozen, so the next window opens in the same second.
    with time_machine.travel(timezone.now(), tick=False):
        for _ in range(9):
            lockout.record_failure(user.email)
        lockout.reset(user.email)
        assert lockout.record_failure(user.email) == 1
        assert not lockout.is_locked(user.email)


def test_a_password_reset_lifts_the_lock(api_client, user, password, mailoutbox):
    # The owner proved control of the email; the new password works at once.
    import re

    _fail(api_client, user.email, 10)
    api_client.post("/api/auth/password/reset/", {"email": user.email}, format="json")
    body = mailoutbox[0].body
    uid = re.search(r'"uid": ?"([^"]+)"', body).group(1)
    code = re.search(r'"token": ?"([^"]+)"', body).group(1)
    new = "a brand new passphrase 77"
    response = api_client.post(
        "/api/auth/password/reset/confirm/",
        {"uid": uid, "token": code, "new_password": new},
        format="json",
    )
    assert response.status_code == 204
    assert not lockout.is_locked(user.email)
    assert _login(api_client, user.email, new).status_code == 200
