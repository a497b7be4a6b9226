import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Token, User

CHANGE = "/api/auth/password/change/"
RESET = "/api/auth/password/reset/"
CONFIRM = "/api/auth/password/reset/confirm/"
NEW = "a brand new passphrase 77"
ACCEPTED = {
    "detail": "If an account with this email exists, a password reset code has been sent to it."
}


def test_change_keeps_only_the_current_token(auth_client, issued_token, user, password):
    current, _ = issued_token
    phone, phone_raw = Token.objects.issue(user, name="phone")
    response = auth_client.post(
        CHANGE, {"current_password": password, "new_password": NEW}, format="json"
    )
    assert response.status_code == 204
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert user.password.startswith("argon2$argon2id$")
    current.refresh_from_db()
    phone.refresh_from_db()
    assert current.revoked_at is None
    assert phone.revoked_reason == "password_change"
    assert auth_client.get("/api/auth/me/").status_code == 200
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {phone_raw}")
    assert other.get("/api/auth/me/").status_code == 401


def test_change_with_wrong_current_password_is_400(auth_client, user, password):
    phone, _ = Token.objects.issue(user, name="phone")
    response = auth_client.post(
        CHANGE, {"current_password": password + "x", "new_password": NEW}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"current_password": ["Your current password is incorrect."]}
    user.refresh_from_db()
    assert user.check_password(password)
    phone.refresh_from_db()
    assert phone.revoked_at is None


@pytest.mark.parametrize("weak", ["short", "password123", "alice@example.com"])
def test_change_runs_the_password_validators(auth_client, user, password, weak):
    response = auth_client.post(
        CHANGE, {"current_password": password, "new_password": weak}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["new_password"]
    user.refresh_from_db()
    assert user.check_password(password)


def test_change_over_a_session_keeps_that_session(client, user, password):
    client.force_login(user)
    Token.objects.issue(user)
    response = client.post(
        CHANGE,
        {"current_password": password, "new_password": NEW},
        content_type="application/json",
    )
    assert response.status_code == 204
    assert not Token.objects.live().exists()
    assert client.get("/api/auth/me/").status_code == 200


def _reset(api_client, email):
    return api_client.post(RESET, {"email": email}, format="json")


def _code_from(message):
    uid = re.search(r"uid:\s+(\S+)", message.body).group(1)
    token = re.search(r"token:\s+(\S+)", message.body).group(1)
    return uid, token


def test_reset_sends_a_code_that_sets_the_password_and_revokes_every_token(
    api_client, user, mailoutbox, settings
):
    settings.PUBLIC_URL = "https://auth.example.com"
    Token.objects.issue(user, name="laptop")
    Token.objects.issue(user, name="phone", kind=Token.Kind.PERSONAL)
    mailoutbox.clear()  # the personal token's "created" email
    response = _reset(api_client, "  Alice@Example.com ")
    assert response.status_code == 202
    assert response.json() == ACCEPTED
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [user.email]
    assert message.subject == "Reset your authsite password"
    assert "curl -X POST https://auth.example.com/api/auth/password/reset/confirm/" in message.body
    assert "1 hour" in message.body
    uid, token = _code_from(message)
    response = api_client.post(
        CONFIRM, {"uid": uid, "token": token, "new_password": NEW}, format="json"
    )
    assert response.status_code == 204
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert not Token.objects.filter(user=user).live().exists()
    assert set(Token.objects.values_list("revoked_reason", flat=True)) == {"password_reset"}
    login = api_client.post("/api/auth/login/", {"email": user.email, "password": NEW})
    assert login.status_code == 200
    # The code works once.
    again = api_client.post(
        CONFIRM, {"uid": uid, "token": token, "new_password": "yet another passphrase 9"}
    )
    assert again.status_code == 400
    assert again.json() == {
        "token": ["This password reset code is invalid, expired or already used."]
    }
    user.refresh_from_db()
    assert user.check_password(NEW)


@pytest.mark.parametrize("case", ["unknown", "inactive", "unusable"])
def test_reset_for_an_account_that_cannot_reset_looks_identical(api_client, user, mailoutbox, case):
    # That the request does the same work either way: tests/test_emails.py.
    email = user.email
    if case == "unknown":
        email = "nobody@example.com"
    elif case == "inactive":
        user.is_active = False
        user.save()
    else:
        user.set_unusable_password()
        user.save()
    mailoutbox.clear()  # the setup's own "password changed" notice
    response = _reset(api_client, email)
    known = _reset(APIClient(), "bob@example.com")  # no such user either, for the shape
    assert response.status_code == known.status_code == 202
    assert response.json() == known.json() == ACCEPTED
    assert response.content == known.content
    assert mailoutbox == []


def test_the_reset_link_is_on_the_public_url_never_on_the_host_header(
    api_client, user, mailoutbox, settings
):
    settings.PUBLIC_URL = "https://auth.example.com"
    settings.ALLOWED_HOSTS = ["evil.example"]
    api_client.post(RESET, {"email": user.email}, format="json", HTTP_HOST="evil.example")
    (message,) = mailoutbox
    assert "https://auth.example.com/api/auth/password/reset/confirm/" in message.body
    assert "evil.example" not in message.body


@pytest.mark.parametrize(("debug", "link"), [(True, "http://testserver"), (False, None)])
def test_without_a_public_url_only_debug_uses_the_request(
    api_client, user, mailoutbox, settings, debug, link
):
    settings.PUBLIC_URL = ""
    settings.DEBUG = debug
    _reset(api_client, user.email)
    (message,) = mailoutbox
    uid, token = _code_from(message)
    if link:
        assert f"curl -X POST {link}/api/auth/password/reset/confirm/" in message.body
    else:
        # The code alone, with the path to send it to: no host for anyone to forge.
        assert "http" not in message.body
        assert "POST /api/auth/password/reset/confirm/ on this service" in message.body
    assert token in message.body


def test_reset_survives_a_failing_mail_server(api_client, user, monkeypatch, caplog):
    def broken(self, fail_silently=False):
        raise OSError("connection refused")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    response = _reset(api_client, user.email)
    assert response.status_code == 202
    assert response.json() == ACCEPTED
    assert "Could not send a password reset email." in caplog.text


@pytest.mark.parametrize("email", ["", "not-an-email", "x" * 300 + "@example.com"])
def test_reset_rejects_a_bad_email(api_client, db, email):
    response = _reset(api_client, email)
    assert response.status_code == 400
    assert list(response.json()) == ["email"]


def test_reset_code_expires(api_client, user, mailoutbox, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _reset(api_client, user.email)
    uid, token = _code_from(mailoutbox[0])
    payload = {"uid": uid, "token": token, "new_password": NEW}
    with time_machine.travel(start + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1)):
        response = api_client.post(CONFIRM, payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["token"]
    with time_machine.travel(start + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT - 60)):
        assert api_client.post(CONFIRM, payload, format="json").status_code == 204


@pytest.mark.parametrize(
    "uid",
    ["", "!!!", "MA", "LTE", "OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "bm90IGEgbnVtYmVy", "w6k"],
)
def test_confirm_with_a_bad_uid_is_400(api_client, user, uid):
    token = default_token_generator.make_token(user)
    response = api_client.post(CONFIRM, {"uid": uid, "token": token, "new_password": NEW})
    assert response.status_code == 400
    assert list(response.json()) == (["uid"] if uid == "" else ["token"])


def test_confirm_runs_the_password_validators(api_client, user, mailoutbox):
    _reset(api_client, user.email)
    uid, token = _code_from(mailoutbox[0])
    response = api_client.post(CONFIRM, {"uid": uid, "token": token, "new_password": "short"})
    assert response.status_code == 400
    assert list(response.json()) == ["new_password"]
    # The code was not spent by the failed attempt.
    response = api_client.post(CONFIRM, {"uid": uid, "token": token, "new_password": NEW})
    assert response.status_code == 204


def test_deactivated_user_cannot_use_a_reset_code(api_client, user, mailoutbox):
    _reset(api_client, user.email)
    uid, token = _code_from(mailoutbox[0])
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = api_client.post(CONFIRM, {"uid": uid, "token": token, "new_password": NEW})
    assert response.status_code == 400


def test_deactivating_a_user_kills_all_their_tokens(api_client, user):
    _, login_raw = Token.objects.issue(user)
    _, personal_raw = Token.objects.issue(user, kind=Token.Kind.PERSONAL)
    User.objects.filter(pk=user.pk).update(is_active=False)
    for raw in (login_raw, personal_raw):
        response = api_client.get("/api/auth/me/", HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert response.status_code == 401
        assert response.json() == {"detail": "Invalid token."}
