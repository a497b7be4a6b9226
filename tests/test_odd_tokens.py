"""Any string where a token is accepted is a 4xx or an answer, never a 500."""

import json

import pytest
from django.core import mail
from rest_framework.test import APIClient

from accounts.models import Token, User
from tests.test_leaks_github import LEAK_URL, _post, signing_key  # noqa: F401

ODD = [
    "\ud800",
    "ast_\ud800",
    "ast_" + "\udfff" * 49,
    "\x00",
    "ast_é" + "a" * 48,
    "",
    " ",
    "\u2028",
    "ast_" + "a" * 5000,
]


@pytest.fixture
def client() -> APIClient:
    # A 500 comes back as a response here instead of an exception in the test.
    return APIClient(raise_request_exception=False)


def _json(client, url, data, **headers):
    return client.post(url, json.dumps(data), content_type="application/json", **headers)


def _clean(response) -> None:
    assert response.status_code < 500, response.content
    assert isinstance(response.json(), dict | list)


@pytest.mark.django_db
@pytest.mark.parametrize("odd", ODD)
def test_webhook_answers_any_token_string(client, signing_key, odd):  # noqa: F811
    body = json.dumps([{"token": odd, "type": odd, "url": odd, "source": odd}]).encode()
    response = _post(client, body, signing_key)
    assert response.status_code == 200, response.content
    assert response.json()[0]["label"] == "false_positive"


@pytest.mark.django_db
def test_webhook_stores_and_emails_odd_text_of_a_real_match(client, user, signing_key):  # noqa: F811
    token, raw = Token.objects.issue(user)
    mail.outbox.clear()
    odd_url = LEAK_URL + "\ud800\x00"
    body = json.dumps([{"token": raw, "type": "\udfff", "url": odd_url, "source": "\ud800"}])
    response = _post(client, body.encode(), signing_key)
    assert response.status_code == 200, response.content
    assert response.json()[0]["label"] == "true_positive"
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token.leak_url == LEAK_URL + "\ufffd"
    assert len(mail.outbox) == 1
    assert token.leak_url in mail.outbox[0].body


@pytest.mark.django_db
@pytest.mark.parametrize("odd", ODD)
def test_authorization_header_answers_any_token_string(client, user, odd):
    for keyword in ("Bearer ", "Token ", ""):
        _clean(client.get("/api/auth/me/", HTTP_AUTHORIZATION=keyword + odd))
        _clean(client.post("/api/auth/logout/", HTTP_AUTHORIZATION=keyword + odd))


@pytest.mark.django_db
@pytest.mark.parametrize("odd", ODD)
def test_revocation_answers_any_token_string(client, odd):
    _clean(_json(client, "/api/auth/tokens/revoke/", {"token": odd}))
    _clean(_json(client, "/api/auth/tokens/revoke/", {"tokens": [odd, odd + "x"]}))


@pytest.mark.django_db
@pytest.mark.parametrize("odd", ODD)
def test_introspection_answers_any_token_string(client, odd):
    robot = User.objects.create_user("notes-service@example.com", None)
    _, raw = Token.objects.issue(robot, scopes=["introspect"], kind="personal", ttl=None)
    response = _json(
        client, "/api/auth/introspect/", {"token": odd}, HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    _clean(response)
    if response.status_code == 200:
        assert response.json() == {"active": False}


@pytest.mark.django_db
@pytest.mark.parametrize("odd", ODD)
def test_pending_login_answers_any_token_string(client, odd):
    _clean(_json(client, "/api/auth/login/mfa/", {"mfa_token": odd, "code": "123456"}))
    _clean(_json(client, "/api/auth/login/mfa/email/", {"mfa_token": odd}))
