import re
import time
import urllib.parse

import pyotp
import pytest
import time_machine

from accounts.mfa import crypto
from accounts.mfa.models import Authenticator, RecoveryCode
from accounts.models import Token
from accounts.ratelimit import lockout

MFA = "/api/auth/mfa/"
TOTP = "/api/auth/mfa/totp/"
CONFIRM = "/api/auth/mfa/totp/confirm/"
RECOVERY = "/api/auth/mfa/recovery-codes/"
INVALID_CODE = {"code": ["Invalid code."]}
RECOVERY_CODE = re.compile(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}")


def _start(client, password):
    return client.post(TOTP, {"password": password}, format="json")


def test_status_when_off(auth_client):
    response = auth_client.get(MFA)
    assert response.status_code == 200
    assert response.json() == {"enabled": False, "methods": [], "recovery_codes_remaining": 0}


def test_enrolment_start_gives_a_secret_uri_and_qr_but_turns_nothing_on(
    auth_client, user, password
):
    response = _start(auth_client, password)
    assert response.status_code == 201
    body = response.json()
    assert response["Cache-Control"] == "no-store"
    secret = body["secret"]
    assert len(secret) * 5 >= 160 and re.fullmatch(r"[A-Z2-7]+", secret)
    assert body["otpauth_uri"].startswith("otpauth://totp/authsite:alice@example.com?secret=")
    assert pyotp.parse_uri(body["otpauth_uri"]).secret == secret
    uri = urllib.parse.urlparse(body["otpauth_uri"])
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    assert urllib.parse.unquote(uri.path) == "/authsite:alice@example.com"
    query = urllib.parse.parse_qs(uri.query)
    assert query["secret"] == [secret.rstrip("=")] and query["issuer"] == ["authsite"]
    assert body["qr_svg"].startswith("<svg")
    assert auth_client.get(MFA).json()["enabled"] is False
    # Encrypted at rest: the database never holds the secret.
    stored = Authenticator.objects.get(user=user).encrypted_secret
    assert secret not in stored and crypto.decrypt(stored) == secret


def test_starting_again_replaces_the_pending_secret(auth_client, password, user):
    first = _start(auth_client, password).json()["secret"]
    second = _start(auth_client, password).json()["secret"]
    assert first != second
    response = auth_client.post(CONFIRM, {"code": pyotp.TOTP(first).now()}, format="json")
    assert response.json() == INVALID_CODE
    assert Authenticator.objects.filter(user=user).count() == 1


def test_wrong_password_is_400_and_counts_toward_the_lock(auth_client, user, settings):
    settings.ACCOUNTS_LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        response = _start(auth_client, "wrong password entirely")
        assert response.status_code == 400
        assert set(response.json()) == {"password"}
    assert lockout.is_locked(user.email)


def test_confirm_turns_mfa_on_and_shows_ten_recovery_codes(auth_client, password, user, mailoutbox):
    secret = _start(auth_client, password).json()["secret"]
    response = auth_client.post(CONFIRM, {"code": pyotp.TOTP(secret).now()}, format="json")
    assert response.status_code == 200
    codes = response.json()["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(RECOVERY_CODE.fullmatch(code) for code in codes)
    assert auth_client.get(MFA).json() == {
        "enabled": True,
        "methods": ["totp", "recovery_code", "email"],
        "recovery_codes_remaining": 10,
    }
    # Only password hashes of the secret parts are stored, beside the public index.
    rows = RecoveryCode.objects.filter(user=user)
    assert sorted(rows.values_list("lookup", flat=True)) == sorted(c[:4] for c in codes)
    for row in rows:
        assert row.digest.startswith("argon2_recovery$argon2id$")
        assert not any(code.replace("-", "")[4:] in row.digest for code in codes)
    assert [m.subject for m in mailoutbox] == ["Multi-factor authentication is on"]


def test_confirm_with_a_wrong_code_or_no_pending_secret_is_400(auth_client, password):
    assert auth_client.post(CONFIRM, {"code": "123456"}, format="json").status_code == 400
    assert set(auth_client.post(CONFIRM, {"code": "1"}, format="json").json()) == {"code"}
    _start(auth_client, password)
    assert auth_client.post(CONFIRM, {"code": "000000x"}, format="json").json() == INVALID_CODE


def test_start_or_confirm_when_already_on_is_409_after_the_password(auth_client, mfa, password):
    assert _start(auth_client, "wrong password entirely").status_code == 400
    response = _start(auth_client, password)
    assert response.status_code == 409
    assert "detail" in response.json()
    assert auth_client.post(CONFIRM, {"code": mfa.code()}, format="json").status_code == 409


def test_the_confirming_code_cannot_log_in(api_client, auth_client, password, user):
    secret = _start(auth_client, password).json()["secret"]
    code = pyotp.TOTP(secret).now()
    with time_machine.travel(time.time(), tick=False):
        assert auth_client.post(CONFIRM, {"code": code}, format="json").status_code == 200
        login = api_client.post(
            "/api/auth/login/", {"email": user.email, "password": password}, format="json"
        ).json()
        response = api_client.post(
            "/api/auth/login/mfa/", {"mfa_token": login["mfa_token"], "code": code}, format="json"
        )
    assert response.json() == INVALID_CODE


def test_new_recovery_codes_replace_the_old(auth_client, mfa, password):
    response = auth_client.post(RECOVERY, {"password": password, "code": mfa.code()}, format="json")
    assert response.status_code == 200
    new = response.json()["recovery_codes"]
    assert len(new) == 10 and not set(new) & set(mfa.recovery_codes)
    # An old code no longer works; a new one does, in capitals and without hyphens.
    old = auth_client.post(
        RECOVERY, {"password": password, "code": mfa.recovery_codes[0]}, format="json"
    )
    assert old.json() == INVALID_CODE
    again = auth_client.post(
        RECOVERY, {"password": password, "code": new[0].replace("-", "").upper()}, format="json"
    )
    assert again.status_code == 200


def test_recovery_codes_need_password_and_code(auth_client, mfa, password):
    assert auth_client.post(RECOVERY, {"code": mfa.code()}, format="json").status_code == 400
    assert auth_client.post(RECOVERY, {"password": password}, format="json").status_code == 400
    wrong = auth_client.post(RECOVERY, {"password": "nope nope nope", "code": mfa.code()})
    assert set(wrong.json()) == {"password"}


def test_delete_turns_mfa_off_and_deletes_everything(auth_client, mfa, password, user, mailoutbox):
    response = auth_client.delete(MFA, {"password": password, "code": mfa.code()}, format="json")
    assert response.status_code == 204
    assert not Authenticator.objects.filter(user=user).exists()
    assert not RecoveryCode.objects.filter(user=user).exists()
    assert auth_client.get(MFA).json()["enabled"] is False
    assert [m.subject for m in mailoutbox] == ["Multi-factor authentication is off"]


@pytest.mark.parametrize(
    "body",
    [{}, {"password": "x"}, {"code": "123456"}, {"password": None, "code": None}, ["x"], "text"],
)
def test_delete_with_missing_fields_is_400(auth_client, mfa, body):
    response = auth_client.delete(MFA, body, format="json")
    assert response.status_code == 400
    assert Authenticator.objects.filter(user=mfa.user).exists()


def test_delete_with_a_wrong_code_is_400(auth_client, mfa, password):
    response = auth_client.delete(MFA, {"password": password, "code": "000000"}, format="json")
    assert response.json() == INVALID_CODE
    assert auth_client.get(MFA).json()["enabled"] is True


def test_delete_accepts_a_recovery_code_once(auth_client, mfa, password, mailoutbox):
    code = mfa.recovery_codes[3].upper()
    response = auth_client.delete(MFA, {"password": password, "code": code}, format="json")
    assert response.status_code == 204
    assert "A recovery code was used" in [m.subject for m in mailoutbox]


def test_get_needs_read_scope_and_the_rest_write(api_client, user, password, mfa):
    read_token = Token.objects.issue(user, name="r", scopes=["read"])[1]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {read_token}")
    assert api_client.get(MFA).status_code == 200
    assert _start(api_client, password).status_code == 403
    body = {"password": password, "code": mfa.code()}
    assert api_client.post(RECOVERY, body, format="json").status_code == 403
    assert api_client.delete(MFA, body, format="json").status_code == 403
    assert api_client.post(CONFIRM, {"code": "123456"}, format="json").status_code == 403


def test_enrolment_needs_authentication(api_client):
    assert api_client.get(MFA).status_code == 401
    assert api_client.post(TOTP, {"password": "x"}, format="json").status_code == 401


def test_delete_or_new_codes_with_mfa_off_is_a_wrong_code(auth_client, password):
    body = {"password": password, "code": "123456"}
    assert auth_client.delete(MFA, body, format="json").json() == INVALID_CODE
    assert auth_client.post(RECOVERY, body, format="json").json() == INVALID_CODE


def test_turning_mfa_on_and_off_is_logged_without_secrets(auth_client, password, user, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="accounts.security"):
        secret = _start(auth_client, password).json()["secret"]
        code = pyotp.TOTP(secret).now()
        codes = auth_client.post(CONFIRM, {"code": code}, format="json").json()["recovery_codes"]
        body = {"password": password, "code": codes[0]}
        assert auth_client.delete(MFA, body, format="json").status_code == 204
    lines = [r.getMessage() for r in caplog.records if r.name == "accounts.security"]
    events = [line for line in lines if '"mfa.' in line]
    assert [e.split('"event": "')[1].split('"')[0] for e in events] == [
        "mfa.enabled",
        "mfa.recovery_code_used",
        "mfa.disabled",
    ]
    logged = "\n".join(lines)
    assert secret not in logged and code not in logged and codes[0] not in logged
    assert password not in logged


def test_wrong_confirmation_codes_lock_the_account(auth_client, password, user, settings):
    # A stolen write token must not guess the confirmation code for free: each wrong code
    # is a login failure of the account, and a locked account's code is never checked.
    settings.ACCOUNTS_LOGIN_MAX_FAILURES = 3
    secret = _start(auth_client, password).json()["secret"]
    for _ in range(3):
        response = auth_client.post(CONFIRM, {"code": "000000"}, format="json")
        assert response.status_code == 400 and response.json() == INVALID_CODE
    assert lockout.is_locked(user.email)
    response = auth_client.post(CONFIRM, {"code": pyotp.TOTP(secret).now()}, format="json")
    assert response.status_code == 400 and response.json() == INVALID_CODE
    assert auth_client.get(MFA).json()["enabled"] is False
    assert not RecoveryCode.objects.filter(user=user).exists()


def test_confirmation_is_under_the_per_ip_login_rate(auth_client, password, settings):
    settings.ACCOUNTS_LOGIN_RATE = "3/min"
    with time_machine.travel(time.time(), tick=False):
        _start(auth_client, password)  # the password check takes one from the same bucket
        for _ in range(2):
            assert auth_client.post(CONFIRM, {"code": "000000"}, format="json").status_code == 400
        response = auth_client.post(CONFIRM, {"code": "000000"}, format="json")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert set(response.json()) == {"detail"}


def test_an_unconfirmed_secret_expires(auth_client, password, user, settings):
    settings.ACCOUNTS_MFA_SETUP_TTL = 600
    with time_machine.travel(time.time(), tick=False) as traveller:
        secret = _start(auth_client, password).json()["secret"]
        traveller.shift(601)
        response = auth_client.post(CONFIRM, {"code": pyotp.TOTP(secret).now()}, format="json")
        assert response.status_code == 400
        assert response.json() == {
            "code": [
                "This set-up has expired. Start again: POST /api/auth/mfa/totp/ with your password."
            ]
        }
        assert not Authenticator.objects.filter(user=user).exists()
        assert auth_client.get(MFA).json()["enabled"] is False
        # Set-up starts again, with its own ten minutes.
        secret = _start(auth_client, password).json()["secret"]
        traveller.shift(599)
        response = auth_client.post(CONFIRM, {"code": pyotp.TOTP(secret).now()}, format="json")
        assert response.status_code == 200
