"""Signing in with a passkey: as the second step after a password, and alone (passwordless)."""

import json
import logging

import pytest

from accounts.mfa.models import Passkey, PasskeyCeremony
from accounts.models import Token
from accounts.ratelimit import lockout
from tests.softauthn import UP, SoftAuthenticator
from tests.test_passkeys import register

LOGIN = "/api/auth/login/"
STEP = "/api/auth/login/mfa/"
STEP_BEGIN = "/api/auth/login/mfa/passkey/begin/"
ALONE_BEGIN = "/api/auth/login/passkey/begin/"
ALONE = "/api/auth/login/passkey/"
PASSKEY_FAILED = {"credential": ["This passkey could not sign you in. Start again."]}
STEP_FAILED = {"credential": ["This passkey could not complete the sign-in."]}


@pytest.fixture
def authenticator(auth_client, password) -> SoftAuthenticator:
    """A software authenticator whose passkey is registered to `user` (MFA is then on)."""
    authenticator = SoftAuthenticator()
    assert register(auth_client, password, authenticator).status_code == 201
    auth_client.credentials()
    return authenticator


def _mfa_token(client, user, password) -> dict:
    response = client.post(LOGIN, {"email": user.email, "password": password}, format="json")
    assert response.status_code == 200
    return response.json()


def _step_options(client, mfa_token) -> dict:
    response = client.post(STEP_BEGIN, {"mfa_token": mfa_token}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["options"]


def _alone_begin(client) -> dict:
    response = client.post(ALONE_BEGIN, format="json")
    assert response.status_code == 200
    return response.json()


def _events(caplog, name):
    return [
        json.loads(r.getMessage()) for r in caplog.records if f'"event": "{name}"' in r.getMessage()
    ]


# Second factor.


def test_the_password_step_offers_passkey(api_client, user, password, authenticator):
    body = _mfa_token(api_client, user, password)
    assert body["mfa_required"] is True
    assert body["methods"] == ["passkey", "recovery_code", "email"]


def test_second_step_with_a_passkey_gives_a_token(api_client, user, password, authenticator):
    mfa_token = _mfa_token(api_client, user, password)["mfa_token"]
    options = _step_options(api_client, mfa_token)
    assert options["rpId"] == "localhost"
    assert [c["id"] for c in options["allowCredentials"]] == [authenticator.id]
    assert options["userVerification"] == "preferred"
    credential = authenticator.assert_(options, flags=UP)
    response = api_client.post(
        STEP, {"mfa_token": mfa_token, "credential": credential}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"token", "token_type", "expires_at", "user"}
    assert Token.objects.filter(user=user).count() == 2  # the registering one and this
    passkey = Passkey.objects.get()
    assert passkey.sign_count == 1 and passkey.last_used_at is not None


def test_second_step_needs_a_code_or_a_credential_not_both(
    api_client, user, password, authenticator
):
    mfa_token = _mfa_token(api_client, user, password)["mfa_token"]
    assert api_client.post(STEP, {"mfa_token": mfa_token}, format="json").status_code == 400
    both = {"mfa_token": mfa_token, "code": "123456", "credential": {}}
    assert api_client.post(STEP, both, format="json").status_code == 400


def test_passkey_begin_for_an_account_without_one_is_400(api_client, user, password, mfa):
    mfa_token = _mfa_token(api_client, user, password)["mfa_token"]
    response = api_client.post(STEP_BEGIN, {"mfa_token": mfa_token}, format="json")
    assert response.status_code == 400
    assert response.json() == {"mfa_token": ["This account has no passkey."]}


def test_passkey_begin_with_a_dead_mfa_token_is_400(api_client, db):
    response = api_client.post(STEP_BEGIN, {"mfa_token": "mfa_nothing"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["mfa_token"]


def test_second_step_refuses_another_users_credential(
    api_client, user, other_user, password, authenticator, caplog
):
    # Bob's own passkey, registered the same way.
    bob = SoftAuthenticator()
    client = api_client.__class__()
    client.force_authenticate(other_user)
    assert register(client, password, bob).status_code == 201
    mfa_token = _mfa_token(api_client, user, password)["mfa_token"]
    options = _step_options(api_client, mfa_token)
    with caplog.at_level(logging.INFO, logger="accounts.security"):
        response = api_client.post(
            STEP, {"mfa_token": mfa_token, "credential": bob.assert_(options)}, format="json"
        )
    assert response.status_code == 400
    assert response.json() == STEP_FAILED
    assert _events(caplog, "passkey.refused")[0]["reason"] == "other_users_credential"
    assert _events(caplog, "mfa.failure")[0]["user_id"] == user.pk


# Passwordless.


def test_passwordless_sign_in_gives_the_login_body(api_client, user, authenticator, caplog):
    started = _alone_begin(api_client)
    assert started["options"]["allowCredentials"] == []
    assert started["options"]["userVerification"] == "required"
    credential = authenticator.assert_(started["options"])
    body = {"ceremony": started["ceremony"], "credential": credential, "name": "CLI"}
    with caplog.at_level(logging.INFO, logger="accounts.security"):
        response = api_client.post(ALONE, body, format="json")
    assert response.status_code == 200, response.content
    assert set(response.json()) == {"token", "token_type", "expires_at", "user"}
    assert response.json()["user"]["email"] == user.email
    assert response["Cache-Control"] == "no-store"
    assert Token.objects.filter(name="CLI").exists()
    assert _events(caplog, "passkey.login")[0]["user_id"] == user.pk
    assert started["ceremony"] not in caplog.text


def test_passwordless_requires_user_verification(api_client, user, authenticator):
    started = _alone_begin(api_client)
    credential = authenticator.assert_(started["options"], flags=UP)
    body = {"ceremony": started["ceremony"], "credential": credential}
    response = api_client.post(ALONE, body, format="json")
    assert response.status_code == 400
    assert response.json() == PASSKEY_FAILED
    assert not Token.objects.filter(user=user).exclude(name="test").exists()


def test_a_failed_assertion_is_a_login_failure_of_the_account(
    api_client, user, authenticator, settings
):
    settings.ACCOUNTS_LOGIN_MAX_FAILURES = 2
    for _ in range(2):
        started = _alone_begin(api_client)
        credential = authenticator.assert_(started["options"], origin="https://evil.example")
        body = {"ceremony": started["ceremony"], "credential": credential}
        assert api_client.post(ALONE, body, format="json").status_code == 400
    assert lockout.is_locked(user.email)
    # Locked: even a right assertion fails, and is not checked.
    started = _alone_begin(api_client)
    body = {
        "ceremony": started["ceremony"],
        "credential": authenticator.assert_(started["options"]),
    }
    assert api_client.post(ALONE, body, format="json").status_code == 400
    assert Passkey.objects.get().sign_count == 0


def test_passwordless_counts_against_the_per_ip_login_rate(api_client, authenticator, settings):
    # Registering the passkey checked the password once: that counted too.
    settings.ACCOUNTS_LOGIN_RATE = "3/min"
    assert api_client.post(ALONE_BEGIN, format="json").status_code == 200
    assert api_client.post(ALONE_BEGIN, format="json").status_code == 200
    assert api_client.post(ALONE_BEGIN, format="json").status_code == 429
    assert api_client.post(ALONE, {}, format="json").status_code == 429


def test_an_unknown_credential_is_refused(api_client, authenticator):
    started = _alone_begin(api_client)
    stranger = SoftAuthenticator()
    stranger.user_handle = authenticator.user_handle
    body = {"ceremony": started["ceremony"], "credential": stranger.assert_(started["options"])}
    response = api_client.post(ALONE, body, format="json")
    assert response.status_code == 400
    assert response.json() == PASSKEY_FAILED


def test_an_inactive_users_passkey_is_refused(api_client, user, authenticator):
    user.is_active = False
    user.save()
    started = _alone_begin(api_client)
    body = {
        "ceremony": started["ceremony"],
        "credential": authenticator.assert_(started["options"]),
    }
    assert api_client.post(ALONE, body, format="json").status_code == 400


@pytest.mark.parametrize("body", [{}, {"ceremony": "x"}, {"ceremony": "x", "credential": "y"}])
def test_malformed_passwordless_bodies_are_400(api_client, db, body):
    assert api_client.post(ALONE, body, format="json").status_code == 400


def test_passwordless_needs_the_ceremony_kind_it_began(api_client, user, password, authenticator):
    # A second-step ceremony's challenge cannot finish a passwordless sign-in.
    mfa_token = _mfa_token(api_client, user, password)["mfa_token"]
    options = _step_options(api_client, mfa_token)
    ceremony = PasskeyCeremony.objects.get(kind="second_factor")
    assert ceremony.pending_login is not None
    body = {"ceremony": "pkc_guess", "credential": authenticator.assert_(options)}
    assert api_client.post(ALONE, body, format="json").status_code == 400


def test_passwordless_at_the_token_cap_is_403(api_client, user, authenticator, settings):
    settings.ACCOUNTS_MAX_TOKENS_PER_USER = 1  # the registering token is live
    started = _alone_begin(api_client)
    body = {
        "ceremony": started["ceremony"],
        "credential": authenticator.assert_(started["options"]),
    }
    response = api_client.post(ALONE, body, format="json")
    assert response.status_code == 403
    assert "the most allowed" in response.json()["detail"]
