"""Re-authentication with a passkey: a passing check gives a one-time code that stands in
for an authenticator code, wherever a signed-in user re-authenticates."""

import json
import logging
import time
from datetime import timedelta

import pytest
import time_machine
from rest_framework.test import APIClient

from accounts.mfa import reauth
from accounts.mfa.models import Passkey, PasskeyCeremony
from accounts.mfa.passkeys import digest
from accounts.models import Token
from accounts.ratelimit import lockout
from tests.softauthn import SoftAuthenticator, unb64url
from tests.test_passkeys import PASSKEYS, register

BEGIN = "/api/auth/passkeys/reauth/begin/"
CHECK = "/api/auth/passkeys/reauth/"
CHANGE = "/api/auth/password/change/"
NEW = "a brand new passphrase 77"
CHECK_FAILED = {
    "credential": [
        "This passkey could not be verified. Start again: POST /api/auth/passkeys/reauth/begin/."
    ]
}
INVALID_CODE = {"code": ["Invalid code."]}


@pytest.fixture
def authenticator(auth_client, password) -> SoftAuthenticator:
    """A passkey registered to `user`, which turned MFA on; auth_client stays signed in."""
    authenticator = SoftAuthenticator()
    assert register(auth_client, password, authenticator).status_code == 201
    return authenticator


def _begin(client) -> dict:
    response = client.post(BEGIN, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def _check(client, authenticator, **assert_kwargs):
    started = _begin(client)
    credential = authenticator.assert_(started["options"], **assert_kwargs)
    return client.post(
        CHECK, {"ceremony": started["ceremony"], "credential": credential}, format="json"
    )


def _code(client, authenticator) -> str:
    response = _check(client, authenticator)
    assert response.status_code == 200, response.content
    return response.json()["code"]


def _change(client, password, **extra):
    body = {"current_password": password, "new_password": NEW, **extra}
    return client.post(CHANGE, body, format="json")


def test_begin_gives_request_options_for_this_users_passkeys(auth_client, user, authenticator):
    other = SoftAuthenticator()
    started = _begin(auth_client)
    options = started["options"]
    assert options["rpId"] == "localhost"
    assert [c["id"] for c in options["allowCredentials"]] == [authenticator.id]
    assert other.id not in json.dumps(options)
    assert started["ceremony"].startswith("pkc_")
    ceremony = PasskeyCeremony.objects.get(kind="reauth")
    assert ceremony.user == user
    assert ceremony.digest == digest(started["ceremony"])
    assert ceremony.challenge_digest == digest(unb64url(options["challenge"]))


def test_begin_without_a_passkey_is_a_400(auth_client):
    response = auth_client.post(BEGIN, format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["This account has no passkey."]}
    assert not PasskeyCeremony.objects.exists()


def test_a_passing_check_gives_a_one_time_code_stored_as_a_digest(auth_client, user, authenticator):
    response = _check(auth_client, authenticator)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"code", "expires_in"}
    assert body["code"].startswith("pkr_") and body["expires_in"] == 300
    assert response["Cache-Control"] == "no-store"
    proof = PasskeyCeremony.objects.get(kind="reauth_proof")
    assert proof.user == user and proof.digest == digest(body["code"])
    assert Passkey.objects.get().last_used_at is not None


def test_the_code_changes_the_password_once(auth_client, user, password, authenticator):
    code = _code(auth_client, authenticator)
    assert _change(auth_client, password, code=code).status_code == 204
    user.refresh_from_db()
    assert user.check_password(NEW)
    # Spent: the same code is a wrong code now.
    again = _change(auth_client, NEW, code=code)
    assert again.status_code == 400 and again.json() == INVALID_CODE


def test_a_new_password_ends_the_other_unused_codes(auth_client, password, authenticator):
    spare = _code(auth_client, authenticator)
    assert _change(auth_client, password, code=_code(auth_client, authenticator)).status_code == 204
    assert not PasskeyCeremony.objects.exists()
    response = _change(auth_client, NEW, code=spare)
    assert response.status_code == 400 and response.json() == INVALID_CODE


def test_logging_out_everywhere_ends_unused_codes(auth_client, user, authenticator):
    code = _code(auth_client, authenticator)
    body = {"keep_current": True}
    assert auth_client.post("/api/auth/logout-all/", body, format="json").status_code in (200, 204)
    assert not PasskeyCeremony.objects.filter(user=user).exists()
    assert reauth.check_code(user, code) == ["Invalid code."]


def test_the_code_removes_a_passkey(auth_client, password, authenticator):
    second = SoftAuthenticator()
    assert (
        register(
            auth_client, password, second, name="Phone", code=_code(auth_client, authenticator)
        ).status_code
        == 201
    )
    phone = Passkey.objects.get(name="Phone")
    body = {"password": password, "code": _code(auth_client, authenticator)}
    response = auth_client.delete(f"{PASSKEYS}{phone.pk}/", body, format="json")
    assert response.status_code == 204
    assert list(Passkey.objects.values_list("name", flat=True)) == ["Laptop"]


def test_the_code_still_needs_the_password(auth_client, password, authenticator):
    code = _code(auth_client, authenticator)
    response = _change(auth_client, "not the password", code=code)
    assert response.status_code == 400 and set(response.json()) == {"current_password"}


def test_the_code_expires_with_the_ceremony_time(auth_client, password, authenticator):
    code = _code(auth_client, authenticator)
    with time_machine.travel(time.time() + 301, tick=False):
        response = _change(auth_client, password, code=code)
    assert response.status_code == 400 and response.json() == INVALID_CODE


def test_the_code_is_bound_to_its_user(auth_client, user, other_user, authenticator):
    code = _code(auth_client, authenticator)
    PasskeyCeremony.objects.filter(kind="reauth_proof").update(user=other_user)
    assert reauth.check_code(user, code) == ["Invalid code."]


def test_the_code_is_not_a_second_factor_for_a_password_reset(auth_client, user, authenticator):
    code = _code(auth_client, authenticator)
    assert reauth.check_code(user, code, step="reset") == ["Invalid code."]
    # Refused there, and not spent: re-authentication still takes it.
    assert reauth.check_code(user, code) is None


@pytest.mark.parametrize(
    "tamper",
    [
        {"origin": "https://evil.example"},
        {"rp_id": "evil.example"},
        {"sign_count": 0},
    ],
    ids=["wrong origin", "wrong RP ID", "counter regression"],
)
def test_a_refused_assertion_gives_no_code(auth_client, authenticator, tamper):
    _code(auth_client, authenticator)  # moves the counter past zero
    response = _check(auth_client, authenticator, **tamper)
    assert response.status_code == 400 and response.json() == CHECK_FAILED
    assert PasskeyCeremony.objects.filter(kind="reauth_proof").count() == 1


def test_a_forged_signature_gives_no_code(auth_client, authenticator):
    forger = SoftAuthenticator(credential_id=unb64url(authenticator.id))
    response = _check(auth_client, forger)
    assert response.status_code == 400 and response.json() == CHECK_FAILED


def test_another_users_passkey_is_refused(auth_client, authenticator, other_user, password, caplog):
    theirs = SoftAuthenticator()
    _, raw = Token.objects.issue(other_user, name="theirs")
    their_client = APIClient()
    their_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert register(their_client, password, theirs).status_code == 201
    with caplog.at_level(logging.INFO, logger="accounts.security"):
        response = _check(auth_client, theirs)
    assert response.status_code == 400 and response.json() == CHECK_FAILED
    assert '"reason": "other_users_credential"' in caplog.text
    assert not PasskeyCeremony.objects.filter(kind="reauth_proof").exists()


def test_a_ceremony_is_single_use(auth_client, authenticator):
    started = _begin(auth_client)
    body = {
        "ceremony": started["ceremony"],
        "credential": authenticator.assert_(started["options"]),
    }
    assert auth_client.post(CHECK, body, format="json").status_code == 200
    body["credential"] = authenticator.assert_(started["options"])
    replay = auth_client.post(CHECK, body, format="json")
    assert replay.status_code == 400 and replay.json() == CHECK_FAILED


def test_a_ceremony_of_another_kind_is_refused(auth_client, authenticator):
    started = auth_client.post("/api/auth/login/passkey/begin/", format="json").json()
    body = {
        "ceremony": started["ceremony"],
        "credential": authenticator.assert_(started["options"]),
    }
    response = auth_client.post(CHECK, body, format="json")
    assert response.status_code == 400 and response.json() == CHECK_FAILED


def test_failed_checks_lock_the_account(auth_client, user, authenticator, settings, caplog):
    settings.ACCOUNTS_LOGIN_MAX_FAILURES = 2
    with caplog.at_level(logging.INFO, logger="accounts.security"):
        for _ in range(2):
            assert (
                _check(auth_client, authenticator, origin="https://evil.example").status_code == 400
            )
    assert lockout.is_locked(user.email)
    refusals = [r.getMessage() for r in caplog.records if "passkey.refused" in r.getMessage()]
    assert len(refusals) == 2 and all('"step": "reauth"' in m for m in refusals)
    # Locked: a right assertion gives no code either.
    assert _check(auth_client, authenticator).json() == CHECK_FAILED


def test_a_malformed_body_is_a_400(auth_client, authenticator):
    response = auth_client.post(CHECK, {"ceremony": "pkc_x", "credential": "nope"}, format="json")
    assert response.status_code == 400 and response.json() == CHECK_FAILED
    missing = auth_client.post(CHECK, {}, format="json")
    assert missing.status_code == 400 and set(missing.json()) == {"ceremony", "credential"}


def test_needs_a_token(api_client):
    assert api_client.post(BEGIN, format="json").status_code == 401
    assert api_client.post(CHECK, {}, format="json").status_code == 401


def test_proofs_expire_with_the_ceremonies(auth_client, authenticator):
    _code(auth_client, authenticator)
    later = PasskeyCeremony.objects.get(kind="reauth_proof").expires_at + timedelta(seconds=1)
    # The registration's ceremony, the check's and its code.
    assert PasskeyCeremony.objects.purge(later) == 3
    assert not PasskeyCeremony.objects.exists()


def test_checks_count_against_the_per_ip_login_rate(auth_client, authenticator, settings):
    # Registering the passkey checked the password once: that counted too.
    settings.ACCOUNTS_LOGIN_RATE = "3/min"
    assert _check(auth_client, authenticator).status_code == 200
    assert _check(auth_client, authenticator).status_code == 200
    throttled = _check(auth_client, authenticator)
    assert throttled.status_code == 429 and int(throttled["Retry-After"]) > 0
    assert PasskeyCeremony.objects.filter(kind="reauth_proof").count() == 2
