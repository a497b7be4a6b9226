"""Passkeys of a signed-in user: register, list, rename, remove (accounts/mfa/webauthn)."""

import json
import logging

import pytest

from accounts.mfa import service
from accounts.mfa.models import Passkey, PasskeyCeremony, RecoveryCode
from accounts.mfa.passkeys import digest
from tests.softauthn import SoftAuthenticator, unb64url

BEGIN = "/api/auth/passkeys/begin/"
PASSKEYS = "/api/auth/passkeys/"


def begin(client, password, **extra):
    response = client.post(BEGIN, {"password": password, **extra}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def register(client, password, authenticator=None, name="Laptop", **extra):
    """Register a passkey of `authenticator` (a new one by default); return the response."""
    authenticator = authenticator or SoftAuthenticator()
    started = begin(client, password, **extra)
    credential = authenticator.register(started["options"])
    body = {"ceremony": started["ceremony"], "credential": credential, "name": name}
    return client.post(PASSKEYS, body, format="json")


def test_begin_gives_creation_options_for_this_site_and_a_ceremony(auth_client, password, user):
    started = begin(auth_client, password)
    options = started["options"]
    assert options["rp"] == {"id": "localhost", "name": "authsite"}
    assert options["user"]["name"] == user.email
    # The user handle is neither the primary key nor the email.
    assert unb64url(options["user"]["id"]) not in (str(user.pk).encode(), user.email.encode())
    assert options["attestation"] == "none"
    assert options["timeout"] == 300_000
    assert options["extensions"] == {"credProps": True}
    assert started["ceremony"].startswith("pkc_")
    # Stored only as digests: the ceremony id and the challenge.
    ceremony = PasskeyCeremony.objects.get()
    assert ceremony.digest == digest(started["ceremony"])
    assert ceremony.challenge_digest == digest(unb64url(options["challenge"]))
    assert ceremony.user == user and ceremony.kind == "register"


def test_begin_needs_the_password(auth_client):
    response = auth_client.post(BEGIN, {"password": "not it"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"password": ["Your password is incorrect."]}
    assert not PasskeyCeremony.objects.exists()


def test_begin_with_mfa_on_needs_a_code(auth_client, password, mfa):
    response = auth_client.post(BEGIN, {"password": password}, format="json")
    assert response.status_code == 400
    assert "code" in response.json()
    begin(auth_client, password, code=mfa.code())


def test_register_answers_the_passkey_and_turns_mfa_on_with_recovery_codes(
    auth_client, password, user, mailoutbox, caplog
):
    authenticator = SoftAuthenticator()
    with caplog.at_level(logging.INFO, logger="accounts.security"):
        response = register(auth_client, password, authenticator)
    assert response.status_code == 201, response.content
    body = response.json()
    passkey = Passkey.objects.get()
    assert set(body) == {
        "id",
        "name",
        "created_at",
        "last_used_at",
        "passwordless",
        "recovery_codes",
    }
    assert body["id"] == passkey.pk and body["name"] == "Laptop"
    assert body["passwordless"] is True and body["last_used_at"] is None
    assert len(body["recovery_codes"]) == 10
    assert response["Cache-Control"] == "no-store"
    assert passkey.credential_id == authenticator.id
    assert service.is_enabled(user)
    assert service.methods(user) == ["passkey", "recovery_code", "email"]
    subjects = [m.subject for m in mailoutbox]
    assert subjects == ["A passkey was added", "Multi-factor authentication is on"]
    added = [
        json.loads(r.getMessage()) for r in caplog.records if "passkey.added" in r.getMessage()
    ]
    assert added[0]["credential_id"] == authenticator.id
    # Nothing of the ceremony but the credential id reaches the log.
    assert "pkc_" not in caplog.text


def test_a_second_passkey_keeps_the_recovery_codes(auth_client, password, user, mfa):
    codes_before = list(RecoveryCode.objects.values_list("digest", flat=True))
    response = register(auth_client, password, code=mfa.code())
    assert response.status_code == 201
    assert "recovery_codes" not in response.json()
    assert list(RecoveryCode.objects.values_list("digest", flat=True)) == codes_before
    assert service.methods(user) == ["totp", "passkey", "recovery_code", "email"]


def test_several_passkeys_are_listed_in_order(auth_client, password, user, other_user):
    codes = register(auth_client, password, name="Laptop").json()["recovery_codes"]
    # MFA is on now: the next one needs a code too (here a recovery code).
    assert register(auth_client, password, name="Phone", code=codes[0]).status_code == 201
    Passkey.objects.create(
        user=other_user, name="Theirs", credential_id="x", public_key=b"k", user_handle="h"
    )
    response = auth_client.get(PASSKEYS)
    assert response.status_code == 200
    assert [p["name"] for p in response.json()] == ["Laptop", "Phone"]
    # One user handle for all of a user's passkeys.
    assert len(set(Passkey.objects.filter(user=user).values_list("user_handle", flat=True))) == 1


def test_rename(auth_client, password):
    passkey_id = register(auth_client, password).json()["id"]
    response = auth_client.patch(f"{PASSKEYS}{passkey_id}/", {"name": "Work key"}, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "Work key"
    assert Passkey.objects.get().name == "Work key"
    assert (
        auth_client.patch(f"{PASSKEYS}{passkey_id}/", {"name": ""}, format="json").status_code
        == 400
    )


def test_another_users_passkey_is_404(auth_client, other_user):
    theirs = Passkey.objects.create(
        user=other_user, name="Theirs", credential_id="x", public_key=b"k", user_handle="h"
    )
    assert (
        auth_client.patch(f"{PASSKEYS}{theirs.pk}/", {"name": "Mine"}, format="json").status_code
        == 404
    )
    assert auth_client.delete(f"{PASSKEYS}{theirs.pk}/", {}, format="json").status_code == 404
    assert Passkey.objects.get().name == "Theirs"


def test_delete_needs_reauthentication(auth_client, password, mailoutbox):
    body = register(auth_client, password).json()
    url = f"{PASSKEYS}{body['id']}/"
    assert auth_client.delete(url, {"password": "wrong"}, format="json").status_code == 400
    # MFA is on (the passkey): the password alone is not enough.
    response = auth_client.delete(url, {"password": password}, format="json")
    assert response.status_code == 400 and "code" in response.json()
    assert Passkey.objects.exists()


def test_deleting_the_last_factor_turns_mfa_off(auth_client, password, user, mailoutbox):
    body = register(auth_client, password).json()
    mailoutbox.clear()
    url = f"{PASSKEYS}{body['id']}/"
    response = auth_client.delete(
        url, {"password": password, "code": body["recovery_codes"][0]}, format="json"
    )
    assert response.status_code == 204
    assert not Passkey.objects.exists()
    assert not service.is_enabled(user)
    assert not RecoveryCode.objects.filter(user=user).exists()
    subjects = [m.subject for m in mailoutbox]
    assert "A passkey was removed" in subjects
    assert "Multi-factor authentication is off" in subjects


def test_deleting_one_of_two_factors_keeps_mfa_on(auth_client, password, user, mfa):
    body = register(auth_client, password, code=mfa.code()).json()
    response = auth_client.delete(
        f"{PASSKEYS}{body['id']}/",
        {"password": password, "code": mfa.recovery_codes[0]},
        format="json",
    )
    assert response.status_code == 204
    assert service.is_enabled(user)
    assert service.methods(user)[0] == "totp"


def test_mfa_reset_removes_the_passkeys(auth_client, password, user):
    register(auth_client, password)
    service.disable(user)
    assert not Passkey.objects.exists()
    assert not service.is_enabled(user)


def test_passkeys_need_authentication(api_client):
    assert api_client.get(PASSKEYS).status_code == 401
    assert api_client.post(BEGIN, {}, format="json").status_code == 401


def test_switched_off_is_404(auth_client, password, settings):
    settings.ACCOUNTS_WEBAUTHN_ENABLED = False
    response = auth_client.post(BEGIN, {"password": password}, format="json")
    assert response.status_code == 404
    assert response.json() == {"detail": "Passkeys are switched off on this server."}


@pytest.mark.parametrize(
    "credential",
    [None, "text", {}, {"id": "x"}, {"id": "x", "response": {"clientDataJSON": "!!"}}, [1, 2]],
)
def test_malformed_credentials_are_a_400_never_a_500(auth_client, password, credential):
    started = begin(auth_client, password)
    body = {"ceremony": started["ceremony"], "credential": credential, "name": "Key"}
    response = auth_client.post(PASSKEYS, body, format="json")
    assert response.status_code == 400
    assert not Passkey.objects.exists()


def test_wrong_ceremony_is_refused(auth_client, password):
    started = begin(auth_client, password)
    credential = SoftAuthenticator().register(started["options"])
    body = {"ceremony": "pkc_unknown", "credential": credential, "name": "Key"}
    response = auth_client.post(PASSKEYS, body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["credential"]


def test_an_account_with_passkeys_only_may_add_an_authenticator_app(auth_client, password, user):
    assert register(auth_client, password).status_code == 201
    # MFA is on (the passkey), but no app yet: the set-up starts, no 409.
    response = auth_client.post("/api/auth/mfa/totp/", {"password": password}, format="json")
    assert response.status_code == 201
    assert "secret" in response.json()
