"""Every password check counts against the per-IP login rate.

The API's password change, token creation with a password and the admin's own
password change share ACCOUNTS_LOGIN_RATE's bucket with the logins (429 with
Retry-After, before any hashing), and the admin's password change is under the
per-account lock like every other password check.
"""

import pytest
import time_machine
from django.utils import timezone

from accounts.models import User
from accounts.ratelimit import lockout

CHANGE = "/api/auth/password/change/"
TOKENS = "/api/auth/tokens/"
ADMIN_CHANGE = "/admin/password_change/"
ADMIN_PASSWORD = "an admin passphrase 1"
NEW = "a brand new passphrase 77"


@pytest.fixture(autouse=True)
def _mid_minute():
    """Stop the clock mid-minute, so no rate window ends during a test."""
    with time_machine.travel(timezone.now().replace(second=10), tick=False):
        yield


def _change(client, current):
    return client.post(CHANGE, {"current_password": current, "new_password": NEW}, format="json")


def _create(client, password):
    return client.post(TOKENS, {"name": "ci", "password": password}, format="json")


def _assert_throttled(response):
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["detail"].startswith("Request was throttled.")


def test_password_change_is_rate_limited_before_hashing(
    auth_client, settings, password, hasher_calls
):
    settings.ACCOUNTS_LOGIN_RATE = "2/min"
    assert [_change(auth_client, "a wrong guess").status_code for _ in range(2)] == [400, 400]
    hasher_calls.clear()
    _assert_throttled(_change(auth_client, password))
    assert hasher_calls == []


def test_token_creation_with_a_password_is_rate_limited(auth_client, settings, password):
    settings.ACCOUNTS_LOGIN_RATE = "2/min"
    assert [_create(auth_client, "a wrong guess").status_code for _ in range(2)] == [400, 400]
    _assert_throttled(_create(auth_client, password))


def test_token_creation_without_a_password_is_not_counted(auth_client, settings):
    settings.ACCOUNTS_LOGIN_RATE = "1/min"
    for _ in range(3):
        response = auth_client.post(TOKENS, {"name": "ci"}, format="json")
        assert response.status_code == 201


def test_logins_and_password_checks_share_one_bucket(auth_client, api_client, settings, user):
    settings.ACCOUNTS_LOGIN_RATE = "2/min"
    login = api_client.post(
        "/api/auth/login/", {"email": user.email, "password": "a wrong guess"}, format="json"
    )
    assert login.status_code == 400
    assert _change(auth_client, "a wrong guess").status_code == 400
    _assert_throttled(_create(auth_client, "a wrong guess"))


@pytest.fixture
def operator(client, db) -> User:
    operator = User.objects.create_superuser("root@example.com", ADMIN_PASSWORD)
    client.force_login(operator)
    return operator


def _admin_change(client, old):
    return client.post(
        ADMIN_CHANGE, {"old_password": old, "new_password1": NEW, "new_password2": NEW}
    )


def test_admin_password_change_is_rate_limited(client, operator, settings, hasher_calls):
    settings.ACCOUNTS_LOGIN_RATE = "2/min"
    for _ in range(2):
        response = _admin_change(client, "a wrong guess")
        assert response.status_code == 200
        assert response.context["form"].errors["old_password"]
    hasher_calls.clear()
    response = _admin_change(client, ADMIN_PASSWORD)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert hasher_calls == []
    operator.refresh_from_db()
    assert operator.check_password(ADMIN_PASSWORD)


def test_admin_password_change_is_under_the_account_lock(client, api_client, operator):
    for _ in range(10):
        assert _admin_change(client, "a wrong guess").status_code == 200
    assert lockout.is_locked(operator.email)
    # Locked: the right old password is refused too, and so is an API login.
    response = _admin_change(client, ADMIN_PASSWORD)
    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]
    login = api_client.post(
        "/api/auth/login/", {"email": operator.email, "password": ADMIN_PASSWORD}, format="json"
    )
    assert login.status_code == 400
    operator.refresh_from_db()
    assert operator.check_password(ADMIN_PASSWORD)


def test_admin_password_change_still_works(client, operator):
    response = _admin_change(client, ADMIN_PASSWORD)
    assert response.status_code == 302
    operator.refresh_from_db()
    assert operator.check_password(NEW)
