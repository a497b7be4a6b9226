"""Password checks after login (password change, token creation) share the login's lock and log."""

import json
import logging

import pytest

from accounts.models import Token

CHANGE = "/api/auth/password/change/"
RESET = "/api/auth/password/reset/"
FAILURE = {"non_field_errors": ["Unable to log in with provided credentials."]}


def _change(client, current, new="a brand new passphrase 77"):
    return client.post(CHANGE, {"current_password": current, "new_password": new}, format="json")


def test_guessing_the_current_password_locks_the_account(auth_client, api_client, user, password):
    # A stolen token cannot be used to guess its owner's password without limit.
    for _ in range(10):
        assert _change(auth_client, "not my password at all").status_code == 400
    assert _change(auth_client, password).json() == {
        "current_password": ["Your current password is incorrect."]
    }
    login = api_client.post(
        "/api/auth/login/", {"email": user.email, "password": password}, format="json"
    )
    assert login.json() == FAILURE
    user.refresh_from_db()
    assert user.check_password(password)


def test_guessing_through_token_creation_locks_the_account(auth_client, api_client, user, password):
    for _ in range(10):
        response = auth_client.post(
            "/api/auth/tokens/", {"name": "x", "password": "a wrong guess"}, format="json"
        )
        assert response.status_code == 400
    login = api_client.post(
        "/api/auth/login/", {"email": user.email, "password": password}, format="json"
    )
    assert login.json() == FAILURE


def test_a_right_current_password_resets_the_count(auth_client, user, password):
    for _ in range(9):
        _change(auth_client, "not my password at all")
    assert _change(auth_client, password).status_code == 204


def test_password_reset_is_rate_limited_per_ip(api_client, db, settings):
    settings.ACCOUNTS_PASSWORD_RESET_RATE = "2/hour"
    statuses = [
        api_client.post(RESET, {"email": f"u{n}@example.com"}, format="json").status_code
        for n in range(3)
    ]
    assert statuses == [202, 202, 429]
    confirm = api_client.post(
        "/api/auth/password/reset/confirm/",
        {"uid": "MQ", "token": "x", "new_password": "a brand new passphrase 77"},
        format="json",
    )
    assert confirm.status_code == 429
    assert int(confirm["Retry-After"]) > 0


@pytest.fixture
def security_events(caplog):
    caplog.set_level(logging.INFO, logger="accounts.security")
    return lambda: [
        json.loads(r.getMessage()) for r in caplog.records if r.name == "accounts.security"
    ]


def test_password_change_and_reset_are_logged(
    auth_client, api_client, issued_token, user, password, mailoutbox, security_events
):
    import re

    other, _ = Token.objects.issue(user, name="phone")
    assert _change(auth_client, password).status_code == 204
    api_client.post(RESET, {"email": user.email}, format="json")
    body = mailoutbox[-1].body  # after the "password changed" email
    uid = re.search(r"uid:\s+(\S+)", body).group(1)
    code = re.search(r"token:\s+(\S+)", body).group(1)
    response = api_client.post(
        "/api/auth/password/reset/confirm/",
        {"uid": uid, "token": code, "new_password": "yet another passphrase 9"},
        format="json",
    )
    assert response.status_code == 204
    events = [e for e in security_events() if e["event"] != "token.issued"]
    assert [(e["event"], e.get("reason")) for e in events] == [
        ("token.revoked", "password_change"),
        ("password.changed", None),
        ("password.reset_requested", None),
        ("token.revoked", "password_reset"),
        ("password.reset", None),
    ]
    assert events[0]["token_prefix"] == other.prefix
    assert events[1] == {
        "event": "password.changed",
        "ip": "127.0.0.1",
        "user_id": user.pk,
        "tokens_revoked": 1,
    }
    text = json.dumps(events)
    assert password not in text and code not in text and user.email not in text
