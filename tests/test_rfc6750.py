"""Every 401 and 403 from the API carries an RFC 6750 challenge; token responses are not cached."""

import pytest

from accounts.tokens import keys as tokens

PROTECTED = [
    ("get", "/api/auth/me/"),
    ("patch", "/api/auth/me/"),
    ("post", "/api/auth/logout/"),
    ("post", "/api/auth/logout-all/"),
    ("get", "/api/auth/tokens/"),
    ("post", "/api/auth/tokens/"),
    ("delete", "/api/auth/tokens/1/"),
    ("post", "/api/auth/password/change/"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_no_credentials_get_a_bare_bearer_challenge(api_client, db, method, path):
    response = getattr(api_client, method)(path, {}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(("method", "path"), PROTECTED)
@pytest.mark.parametrize("credential", ["forged", "unknown"])
def test_rejected_tokens_get_invalid_token(api_client, db, method, path, credential):
    raw = "ast_nope" if credential == "forged" else tokens.generate()
    response = getattr(api_client, method)(
        path, {}, format="json", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api", error="invalid_token"'
    assert response.json() == {"detail": "Invalid token."}


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_malformed_headers_get_invalid_request(api_client, db, method, path):
    response = getattr(api_client, method)(path, {}, format="json", HTTP_AUTHORIZATION="Bearer a b")
    assert response.status_code == 400
    assert response["WWW-Authenticate"] == 'Bearer realm="api", error="invalid_request"'


def test_token_responses_are_not_cached(api_client, user, password):
    response = api_client.post(
        "/api/auth/login/", {"email": user.email, "password": password}, format="json"
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["Pragma"] == "no-cache"


def test_registering_a_taken_email_costs_the_same_hashing(api_client, user, hasher_calls):
    body = {"password": "plum-tree orbit harbour lantern"}
    free = api_client.post(
        "/api/auth/register/", {**body, "email": "new@example.com"}, format="json"
    )
    taken = api_client.post("/api/auth/register/", {**body, "email": user.email}, format="json")
    assert (free.status_code, taken.status_code) == (201, 400)
    assert hasher_calls == ["encode", "encode"]


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("patch", "/api/auth/me/", "write"),
        ("post", "/api/auth/tokens/", "write"),
        ("post", "/api/auth/password/change/", "write"),
        ("post", "/api/auth/logout-all/", "write"),
    ],
)
def test_a_token_without_the_scope_gets_403_insufficient_scope(
    api_client, user, method, path, scope
):
    from accounts.models import Token

    _, raw = Token.objects.issue(user, scopes=["read"])
    response = getattr(api_client, method)(
        path, {}, format="json", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert response.status_code == 403
    assert response["WWW-Authenticate"] == (
        f'Bearer realm="api", error="insufficient_scope", scope="{scope}"'
    )
