"""A password reset of an account with MFA on also needs the second factor.

The reset code proves only the mailbox, and so does an emailed sign-in code: together
they must not take the account over. The authenticator or an unused recovery code is
asked for; without it nothing changes and the reset code stays usable.
"""

import re

import pytest

from accounts.mfa.models import Challenge, RecoveryCode
from accounts.models import User
from accounts.ratelimit import lockout

RESET = "/api/auth/password/reset/"
CONFIRM = "/api/auth/password/reset/confirm/"
NEW = "a brand new passphrase 77"
CODE_REQUIRED = {"code": ["Enter a code from your authenticator app or a recovery code."]}
INVALID_CODE = {"code": ["Invalid code."]}


def _reset_code(client, user, mailoutbox) -> tuple[dict, str]:
    mailoutbox.clear()
    assert client.post(RESET, {"email": user.email}, format="json").status_code == 202
    (message,) = mailoutbox
    uid = re.search(r"uid:\s+(\S+)", message.body).group(1)
    token = re.search(r"token:\s+(\S+)", message.body).group(1)
    return {"uid": uid, "token": token, "new_password": NEW}, message.body


def _unchanged(user, password) -> bool:
    return User.objects.get(pk=user.pk).check_password(password)


def test_the_reset_email_of_an_mfa_account_says_a_code_is_needed(api_client, mfa, mailoutbox):
    _, body = _reset_code(api_client, mfa.user, mailoutbox)
    assert "authenticator app" in body and "recovery codes" in body
    assert "administrator to reset your multi-factor authentication" in body


def test_the_reset_email_of_other_accounts_says_nothing_of_it(api_client, user, mailoutbox):
    _, body = _reset_code(api_client, user, mailoutbox)
    assert "multi-factor" not in body


def test_without_a_code_nothing_changes_and_the_reset_code_stays(
    api_client, mfa, password, mailoutbox
):
    confirm, _ = _reset_code(api_client, mfa.user, mailoutbox)
    response = api_client.post(CONFIRM, confirm, format="json")
    assert response.status_code == 400 and response.json() == CODE_REQUIRED
    assert _unchanged(mfa.user, password)
    # Still usable, now with the code.
    response = api_client.post(CONFIRM, {**confirm, "code": mfa.code()}, format="json")
    assert response.status_code == 204
    assert User.objects.get(pk=mfa.user.pk).check_password(NEW)


def test_a_wrong_code_is_400_counts_against_the_lock_and_keeps_the_reset_code(
    api_client, mfa, password, mailoutbox, settings
):
    settings.ACCOUNTS_LOGIN_MAX_FAILURES = 3
    confirm, _ = _reset_code(api_client, mfa.user, mailoutbox)
    for _ in range(3):
        response = api_client.post(CONFIRM, {**confirm, "code": "000000"}, format="json")
        assert response.status_code == 400 and response.json() == INVALID_CODE
    assert _unchanged(mfa.user, password)
    assert lockout.is_locked(mfa.user.email)
    # Locked: even the right code is refused, unchecked, until the window ends.
    response = api_client.post(CONFIRM, {**confirm, "code": mfa.code()}, format="json")
    assert response.json() == INVALID_CODE
    lockout.reset(mfa.user.email)
    response = api_client.post(CONFIRM, {**confirm, "code": mfa.code()}, format="json")
    assert response.status_code == 204


def test_an_emailed_sign_in_code_is_never_accepted(api_client, mfa, password, mailoutbox):
    login = api_client.post(
        "/api/auth/login/", {"email": mfa.user.email, "password": password}, format="json"
    )
    mfa_token = login.json()["mfa_token"]
    mailoutbox.clear()
    sent = api_client.post("/api/auth/login/mfa/email/", {"mfa_token": mfa_token}, format="json")
    assert sent.status_code == 202
    emailed = re.search(r"\b(\d{6})\b", mailoutbox[0].body).group(1)
    confirm, _ = _reset_code(api_client, mfa.user, mailoutbox)
    response = api_client.post(CONFIRM, {**confirm, "code": emailed}, format="json")
    assert response.status_code == 400 and response.json() == INVALID_CODE
    assert _unchanged(mfa.user, password)


def test_a_recovery_code_resets_and_is_spent(api_client, mfa, mailoutbox):
    confirm, _ = _reset_code(api_client, mfa.user, mailoutbox)
    code = mfa.recovery_codes[0]
    response = api_client.post(CONFIRM, {**confirm, "code": code}, format="json")
    assert response.status_code == 204
    assert User.objects.get(pk=mfa.user.pk).check_password(NEW)
    assert RecoveryCode.objects.filter(user=mfa.user).unused().count() == 9
    # Spent: a second reset cannot use it again.
    confirm, _ = _reset_code(api_client, mfa.user, mailoutbox)
    again = api_client.post(CONFIRM, {**confirm, "new_password": NEW + "x", "code": code})
    assert again.status_code == 400 and again.json() == INVALID_CODE


def test_a_weak_password_spends_no_recovery_code(api_client, mfa, mailoutbox):
    confirm, _ = _reset_code(api_client, mfa.user, mailoutbox)
    body = {**confirm, "new_password": "password", "code": mfa.recovery_codes[0]}
    response = api_client.post(CONFIRM, body, format="json")
    assert response.status_code == 400 and set(response.json()) == {"new_password"}
    assert RecoveryCode.objects.filter(user=mfa.user).unused().count() == 10


@pytest.mark.django_db
def test_accounts_without_mfa_reset_without_a_code(api_client, user, mailoutbox):
    confirm, _ = _reset_code(api_client, user, mailoutbox)
    assert api_client.post(CONFIRM, confirm, format="json").status_code == 204


def test_the_reset_ends_pending_logins(api_client, mfa, password, mailoutbox):
    api_client.post(
        "/api/auth/login/", {"email": mfa.user.email, "password": password}, format="json"
    )
    assert Challenge.objects.filter(user=mfa.user).exists()
    confirm, _ = _reset_code(api_client, mfa.user, mailoutbox)
    response = api_client.post(CONFIRM, {**confirm, "code": mfa.code()}, format="json")
    assert response.status_code == 204
    assert not Challenge.objects.filter(user=mfa.user).exists()
