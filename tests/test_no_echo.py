"""Forms never echo a submitted secret, and auth responses are never cached."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Token

SECRET = "sentinel-secret-do-not-echo 7"
SHORT_SECRET = "sentinel-short"  # too short for the policy, so registration fails


def _html_post(client, path, data, fmt):
    return client.post(path, data, format=fmt, HTTP_ACCEPT="text/html")


@pytest.mark.parametrize("fmt", ["json", "multipart"])
@pytest.mark.parametrize(
    ("path", "data", "shown"),
    [
        ("/api/auth/login/", {"email": "ada@example.com", "password": SECRET}, "ada@example.com"),
        (
            "/api/auth/register/",
            {"email": "new@example.com", "password": SHORT_SECRET},
            "new@example.com",
        ),
        (
            "/api/auth/password/reset/confirm/",
            {"uid": "MQ", "token": SECRET, "new_password": SECRET},
            'value="MQ"',
        ),
    ],
)
def test_signed_out_forms_never_echo_a_secret(db, fmt, path, data, shown):
    response = _html_post(APIClient(), path, data, fmt)
    assert response.status_code == 400
    body = response.content.decode()
    assert shown in body  # the form was re-rendered with what was submitted...
    for secret in (SECRET, SHORT_SECRET):
        assert secret not in body  # ...except the password and the code
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("fmt", ["json", "multipart"])
@pytest.mark.parametrize(
    ("path", "data", "shown"),
    [
        (
            "/api/auth/password/change/",
            {"current_password": SECRET, "new_password": SECRET + " new"},
            None,
        ),
        ("/api/auth/tokens/", {"name": "laptop-cli", "password": SECRET}, "laptop-cli"),
    ],
)
def test_signed_in_forms_never_echo_a_secret(client, user, fmt, path, data, shown):
    client.force_login(user)  # a browser session, as the browsable API uses
    api = APIClient(enforce_csrf_checks=False)
    api.cookies = client.cookies
    response = _html_post(api, path, data, fmt)
    assert response.status_code == 400
    body = response.content.decode()
    if shown:
        assert shown in body
    assert SECRET not in body
    assert response["Cache-Control"] == "no-store"


def test_the_session_login_form_never_echoes_the_password(client, user):
    response = client.post("/api-auth/login/", {"username": user.email, "password": SECRET})
    assert response.status_code == 200
    assert user.email in response.content.decode()
    assert SECRET not in response.content.decode()
    assert response["Cache-Control"] == "no-store"


def _throttled(client):
    # The test's `settings` fixture has set ACCOUNTS_PASSWORD_RESET_RATE to 1/hour.
    client.post("/api/auth/password/reset/", {"email": "a@example.com"}, format="json")
    return client.post("/api/auth/password/reset/", {"email": "a@example.com"}, format="json")


@pytest.mark.parametrize(
    ("request_", "status"),
    [
        (lambda c: c.get("/api/auth/me/"), 401),
        (lambda c: c.get("/api/auth/me/", HTTP_AUTHORIZATION="Bearer ast_nope"), 401),
        (lambda c: c.post("/api/auth/login/", {"email": "x"}, format="json"), 400),
        (lambda c: c.get("/api/auth/login/"), 405),
        (lambda c: c.get("/api/auth/nowhere/"), 404),
        (
            lambda c: c.generic(
                "POST", "/api/auth/login/", b"x", content_type="application/json; charset=bz2"
            ),
            415,
        ),
        (
            lambda c: c.generic(
                "POST",
                "/api/auth/register/",
                b"{}",
                content_type="application/json",
                CONTENT_LENGTH="99999999",
            ),
            413,
        ),
        (_throttled, 429),
        (
            lambda c: c.post(
                "/api/auth/password/reset/", {"email": "b@example.com"}, format="json"
            ),
            202,
        ),
        (lambda c: c.get("/api-auth/login/"), 200),
    ],
)
def test_every_auth_response_is_no_store(db, settings, request_, status):
    settings.ACCOUNTS_PASSWORD_RESET_RATE = "1/hour"
    response = request_(APIClient())
    assert response.status_code == status
    assert response["Cache-Control"] == "no-store"


def test_signed_in_auth_responses_are_no_store(auth_client, issued_token):
    for response in (
        auth_client.get("/api/auth/me/"),
        auth_client.get("/api/auth/tokens/"),
        auth_client.delete(f"/api/auth/tokens/{issued_token[0].pk + 1000}/"),
    ):
        assert response["Cache-Control"] == "no-store", response.status_code
    assert Token.objects.count() == 1
