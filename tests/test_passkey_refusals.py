"""Every refusal a passkey ceremony owes: origin, RP ID, counter, another user's credential,
replay, expiry, user verification; and the settings that name the site."""

import json
import logging
import subprocess
import sys
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.mfa.models import Passkey, PasskeyCeremony
from tests.softauthn import UP, UV, SoftAuthenticator
from tests.test_passkey_login import (
    ALONE,
    PASSKEY_FAILED,
    STEP,
    STEP_FAILED,
    _alone_begin,
    _mfa_token,
    _step_options,
    authenticator,  # noqa: F401  (fixture)
)
from tests.test_passkeys import PASSKEYS, begin, register
from tests.test_security_headers import _production_env

REGISTRATION_FAILED = {
    "credential": [
        "This passkey could not be registered. Start again: POST /api/auth/passkeys/begin/."
    ]
}


def _events(caplog, name):
    return [
        json.loads(r.getMessage()) for r in caplog.records if f'"event": "{name}"' in r.getMessage()
    ]


def _finish(client, started, credential, name="Key"):
    body = {"ceremony": started["ceremony"], "credential": credential, "name": name}
    return client.post(PASSKEYS, body, format="json")


def _alone(client, started, credential):
    body = {"ceremony": started["ceremony"], "credential": credential}
    return client.post(ALONE, body, format="json")


# Origin and RP ID, at registration and at sign-in.


def test_registration_from_another_origin_is_refused(auth_client, password, caplog):
    started = begin(auth_client, password)
    credential = SoftAuthenticator().register(started["options"], origin="https://evil.example")
    with caplog.at_level(logging.INFO, logger="accounts.security"):
        response = _finish(auth_client, started, credential)
    assert response.status_code == 400
    assert response.json() == REGISTRATION_FAILED
    assert not Passkey.objects.exists()
    assert "origin" in _events(caplog, "passkey.refused")[0]["reason"]


def test_registration_for_another_rp_id_is_refused(auth_client, password):
    started = begin(auth_client, password)
    credential = SoftAuthenticator().register(started["options"], rp_id="evil.example")
    assert _finish(auth_client, started, credential).json() == REGISTRATION_FAILED
    assert not Passkey.objects.exists()


def test_sign_in_from_another_origin_is_refused(api_client, authenticator, caplog):  # noqa: F811
    started = _alone_begin(api_client)
    credential = authenticator.assert_(started["options"], origin="https://evil.example")
    with caplog.at_level(logging.INFO, logger="accounts.security"):
        response = _alone(api_client, started, credential)
    assert response.status_code == 400
    assert response.json() == PASSKEY_FAILED
    assert "origin" in _events(caplog, "passkey.refused")[0]["reason"]


def test_sign_in_for_another_rp_id_is_refused(api_client, authenticator):  # noqa: F811
    started = _alone_begin(api_client)
    credential = authenticator.assert_(started["options"], rp_id="evil.example")
    assert _alone(api_client, started, credential).json() == PASSKEY_FAILED


def test_configured_origins_and_rp_id_are_the_ones_accepted(auth_client, password, settings):
    settings.ACCOUNTS_WEBAUTHN_RP_ID = "auth.example.com"
    settings.ACCOUNTS_WEBAUTHN_ORIGINS = ["https://auth.example.com", "android:apk-key-hash:abc"]
    started = begin(auth_client, password)
    assert started["options"]["rp"]["id"] == "auth.example.com"
    # The development origin is no longer accepted...
    refused = SoftAuthenticator().register(started["options"])
    assert _finish(auth_client, started, refused).status_code == 400
    # ...a native app's origin is.
    started = begin(auth_client, password)
    app = SoftAuthenticator().register(started["options"], origin="android:apk-key-hash:abc")
    assert _finish(auth_client, started, app).status_code == 201


# The signature counter.


def test_counter_regression_is_refused_and_logged(api_client, user, authenticator, caplog):  # noqa: F811
    started = _alone_begin(api_client)
    assert (
        _alone(
            api_client, started, authenticator.assert_(started["options"], sign_count=5)
        ).status_code
        == 200
    )
    assert Passkey.objects.get().sign_count == 5
    started = _alone_begin(api_client)
    clone = authenticator.assert_(started["options"], sign_count=3)
    with caplog.at_level(logging.INFO, logger="accounts.security"):
        response = _alone(api_client, started, clone)
    assert response.status_code == 400
    assert response.json() == PASSKEY_FAILED
    (event,) = _events(caplog, "passkey.counter_regression")
    assert event["user_id"] == user.pk
    assert (event["stored"], event["received"]) == (5, 3)
    passkey = Passkey.objects.get()
    assert passkey.sign_count == 5


def test_an_equal_nonzero_counter_is_a_regression(api_client, authenticator):  # noqa: F811
    started = _alone_begin(api_client)
    assert (
        _alone(
            api_client, started, authenticator.assert_(started["options"], sign_count=2)
        ).status_code
        == 200
    )
    started = _alone_begin(api_client)
    response = _alone(api_client, started, authenticator.assert_(started["options"], sign_count=2))
    assert response.status_code == 400


def test_authenticators_without_a_counter_keep_zero(api_client, authenticator):  # noqa: F811
    for _ in range(2):
        started = _alone_begin(api_client)
        credential = authenticator.assert_(started["options"], sign_count=0)
        assert _alone(api_client, started, credential).status_code == 200


# Another user's credential.


def test_registering_another_users_credential_id_is_refused(
    auth_client, api_client, password, other_user
):
    theirs = SoftAuthenticator()
    client = api_client.__class__()
    client.force_authenticate(other_user)
    assert register(client, password, theirs).status_code == 201
    # The same credential id, offered for this user's account.
    mine = SoftAuthenticator(credential_id=theirs.credential_id)
    started = begin(auth_client, password)
    response = _finish(auth_client, started, mine.register(started["options"]))
    assert response.json() == REGISTRATION_FAILED
    assert Passkey.objects.get().user == other_user


def test_second_step_with_another_users_passkey_is_refused(
    api_client,
    user,
    other_user,
    password,
    authenticator,  # noqa: F811
):
    theirs = SoftAuthenticator()
    client = api_client.__class__()
    client.force_authenticate(other_user)
    assert register(client, password, theirs).status_code == 201
    mfa_token = _mfa_token(api_client, user, password)["mfa_token"]
    options = _step_options(api_client, mfa_token)
    body = {"mfa_token": mfa_token, "credential": theirs.assert_(options)}
    assert api_client.post(STEP, body, format="json").json() == STEP_FAILED


def test_a_ceremony_of_another_user_cannot_register(auth_client, api_client, password, other_user):
    client = api_client.__class__()
    client.force_authenticate(other_user)
    theirs = begin(client, password)
    response = _finish(auth_client, theirs, SoftAuthenticator().register(theirs["options"]))
    assert response.json() == REGISTRATION_FAILED


def test_a_pending_login_cannot_use_another_pending_logins_ceremony(
    api_client,
    user,
    password,
    authenticator,  # noqa: F811
):
    first = _mfa_token(api_client, user, password)["mfa_token"]
    second = _mfa_token(api_client, user, password)["mfa_token"]
    options = _step_options(api_client, first)
    body = {"mfa_token": second, "credential": authenticator.assert_(options)}
    assert api_client.post(STEP, body, format="json").json() == STEP_FAILED


# Replay and expiry.


def test_registration_replay_is_refused(auth_client, password):
    started = begin(auth_client, password)
    credential = SoftAuthenticator().register(started["options"])
    assert _finish(auth_client, started, credential).status_code == 201
    Passkey.objects.all().delete()
    assert _finish(auth_client, started, credential).json() == REGISTRATION_FAILED


def test_sign_in_replay_is_refused(api_client, authenticator):  # noqa: F811
    started = _alone_begin(api_client)
    credential = authenticator.assert_(started["options"])
    assert _alone(api_client, started, credential).status_code == 200
    assert _alone(api_client, started, credential).json() == PASSKEY_FAILED


def test_second_step_replay_is_refused(api_client, user, password, authenticator):  # noqa: F811
    mfa_token = _mfa_token(api_client, user, password)["mfa_token"]
    options = _step_options(api_client, mfa_token)
    # A wrong assertion uses the ceremony up: the right one cannot follow with it.
    wrong = authenticator.assert_(options, origin="https://evil.example")
    right = authenticator.assert_(options)
    assert (
        api_client.post(
            STEP, {"mfa_token": mfa_token, "credential": wrong}, format="json"
        ).status_code
        == 400
    )
    response = api_client.post(STEP, {"mfa_token": mfa_token, "credential": right}, format="json")
    assert response.json() == STEP_FAILED


def test_a_failed_sign_in_uses_the_ceremony_up(api_client, authenticator):  # noqa: F811
    started = _alone_begin(api_client)
    bad = authenticator.assert_(started["options"], flags=UP)
    assert _alone(api_client, started, bad).status_code == 400
    good = authenticator.assert_(started["options"], flags=UP | UV)
    assert _alone(api_client, started, good).json() == PASSKEY_FAILED


def test_an_expired_registration_is_refused(auth_client, password):
    started = begin(auth_client, password)
    credential = SoftAuthenticator().register(started["options"])
    with time_machine.travel(timezone.now() + timedelta(minutes=5, seconds=1)):
        assert _finish(auth_client, started, credential).json() == REGISTRATION_FAILED


def test_an_expired_sign_in_is_refused(api_client, authenticator):  # noqa: F811
    started = _alone_begin(api_client)
    credential = authenticator.assert_(started["options"])
    with time_machine.travel(timezone.now() + timedelta(minutes=5, seconds=1)):
        assert _alone(api_client, started, credential).json() == PASSKEY_FAILED
    assert PasskeyCeremony.objects.purge(timezone.now() + timedelta(minutes=6)) >= 1


def test_a_challenge_from_another_ceremony_is_refused(api_client, authenticator):  # noqa: F811
    first, second = _alone_begin(api_client), _alone_begin(api_client)
    credential = authenticator.assert_(first["options"])
    assert _alone(api_client, second, credential).json() == PASSKEY_FAILED


# User verification and the user handle.


def test_passwordless_without_user_verification_is_refused(api_client, authenticator):  # noqa: F811
    started = _alone_begin(api_client)
    credential = authenticator.assert_(started["options"], flags=UP)
    assert _alone(api_client, started, credential).json() == PASSKEY_FAILED


def test_second_step_accepts_presence_alone(api_client, user, password, authenticator):  # noqa: F811
    mfa_token = _mfa_token(api_client, user, password)["mfa_token"]
    options = _step_options(api_client, mfa_token)
    body = {"mfa_token": mfa_token, "credential": authenticator.assert_(options, flags=UP)}
    assert api_client.post(STEP, body, format="json").status_code == 200


def test_no_user_presence_is_refused_even_as_second_step(
    api_client,
    user,
    password,
    authenticator,  # noqa: F811
):
    mfa_token = _mfa_token(api_client, user, password)["mfa_token"]
    options = _step_options(api_client, mfa_token)
    body = {"mfa_token": mfa_token, "credential": authenticator.assert_(options, flags=0)}
    assert api_client.post(STEP, body, format="json").status_code == 400


def test_a_wrong_user_handle_is_refused(api_client, authenticator):  # noqa: F811
    started = _alone_begin(api_client)
    credential = authenticator.assert_(started["options"], user_handle="c29tZW9uZS1lbHNl")
    assert _alone(api_client, started, credential).json() == PASSKEY_FAILED


def test_a_forged_signature_is_refused(api_client, authenticator):  # noqa: F811
    started = _alone_begin(api_client)
    forger = SoftAuthenticator(credential_id=authenticator.credential_id)
    forger.user_handle = authenticator.user_handle
    assert _alone(api_client, started, forger.assert_(started["options"])).json() == PASSKEY_FAILED


# Production settings.


@pytest.mark.parametrize(
    "extra, fails",
    [
        ({}, False),
        ({"ACCOUNTS_WEBAUTHN_RP_ID": ""}, True),
        ({"ACCOUNTS_WEBAUTHN_ORIGINS": ""}, True),
        ({"ACCOUNTS_WEBAUTHN_RP_ID": "", "ACCOUNTS_WEBAUTHN_ORIGINS": ""}, True),
        ({"ACCOUNTS_WEBAUTHN_RP_ID": "", "ACCOUNTS_WEBAUTHN_ENABLED": "off"}, False),
    ],
)
def test_production_deploy_check_needs_the_rp_id_and_origins(extra, fails):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=_production_env(**extra),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode != 0) is fails, result.stdout + result.stderr
    if fails:
        assert "mfa.E001" in result.stderr
        assert "Passkeys are on but ACCOUNTS_WEBAUTHN_" in result.stderr


def test_origins_from_the_environment_are_a_list():
    code = (
        "import django; django.setup(); from accounts.mfa.conf import webauthn_settings as w; "
        "print(w.RP_ID, *w.ORIGINS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=_production_env(
            ACCOUNTS_WEBAUTHN_ORIGINS="https://a.example.com, android:apk-key-hash:xyz"
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == [
        "api.example.com",
        "https://a.example.com",
        "android:apk-key-hash:xyz",
    ]


def test_purgemfachallenges_deletes_expired_ceremonies_only(db, capsys):
    from django.core.management import call_command

    with time_machine.travel(timezone.now() - timedelta(minutes=10)):
        PasskeyCeremony.objects.open(PasskeyCeremony.Kind.PASSWORDLESS)
    live, _raw, _challenge = PasskeyCeremony.objects.open(PasskeyCeremony.Kind.PASSWORDLESS)
    call_command("purgemfachallenges")
    assert "Deleted 1 passkey ceremony." in capsys.readouterr().out
    assert list(PasskeyCeremony.objects.all()) == [live]


def test_a_refused_registration_uses_the_ceremony_up(auth_client, password):
    started = begin(auth_client, password)
    device = SoftAuthenticator()
    wrong = device.register(started["options"], origin="https://evil.example")
    assert _finish(auth_client, started, wrong).status_code == 400
    right = device.register(started["options"])
    assert _finish(auth_client, started, right).json() == REGISTRATION_FAILED
    assert not Passkey.objects.exists()
