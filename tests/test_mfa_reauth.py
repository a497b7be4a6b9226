"""Re-authentication with MFA on: the password and a code; password reset keeps MFA."""

import re
import time

import time_machine

from accounts.mfa.models import Authenticator
from accounts.ratelimit import lockout

CHANGE = "/api/auth/password/change/"
TOKENS = "/api/auth/tokens/"
NEW = "a brand new passphrase 77"


def _change(client, current, **extra):
    body = {"current_password": current, "new_password": NEW, **extra}
    return client.post(CHANGE, body, format="json")


def test_password_change_needs_a_code(auth_client, mfa, password, user):
    missing = _change(auth_client, password)
    assert missing.status_code == 400 and set(missing.json()) == {"code"}
    assert _change(auth_client, password, code="000000").json() == {"code": ["Invalid code."]}
    assert _change(auth_client, password, code=mfa.code()).status_code == 204
    user.refresh_from_db()
    assert user.check_password(NEW)


def test_password_change_accepts_a_recovery_code(auth_client, mfa, password):
    assert _change(auth_client, password, code=mfa.recovery_codes[1]).status_code == 204


def test_right_password_and_wrong_codes_lock_the_account(auth_client, mfa, password, settings):
    settings.ACCOUNTS_LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        assert _change(auth_client, password, code="000000").status_code == 400
    assert lockout.is_locked(mfa.user.email)
    # Locked: even the right password and code fail, and nothing is spent.
    response = _change(auth_client, password, code=mfa.code())
    assert response.status_code == 400


def test_token_creation_after_ten_minutes_needs_a_code(api_client, issued_token, mfa, password):
    token, raw = issued_token
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    with time_machine.travel(time.time() + 11 * 60, tick=False):
        no_code = api_client.post(TOKENS, {"name": "ci", "password": password}, format="json")
        assert no_code.status_code == 400 and set(no_code.json()) == {"code"}
        body = {"name": "ci", "password": password, "code": mfa.code()}
        assert api_client.post(TOKENS, body, format="json").status_code == 201


def test_token_creation_by_a_fresh_token_needs_nothing(auth_client, mfa):
    assert auth_client.post(TOKENS, {"name": "ci"}, format="json").status_code == 201


def test_accounts_without_mfa_change_passwords_as_before(auth_client, password):
    assert _change(auth_client, password).status_code == 204


def test_password_reset_leaves_mfa_on(api_client, mfa, mailoutbox):
    api_client.post("/api/auth/password/reset/", {"email": mfa.user.email}, format="json")
    body = mailoutbox[0].body
    uid = re.search(r"uid:\s+(\S+)", body).group(1)
    token = re.search(r"token:\s+(\S+)", body).group(1)
    confirm = {"uid": uid, "token": token, "new_password": NEW, "code": mfa.code()}
    response = api_client.post("/api/auth/password/reset/confirm/", confirm, format="json")
    assert response.status_code == 204
    assert Authenticator.objects.filter(user=mfa.user, confirmed_at__isnull=False).exists()
    login = api_client.post(
        "/api/auth/login/", {"email": mfa.user.email, "password": NEW}, format="json"
    )
    assert login.json()["mfa_required"] is True and "token" not in login.json()
