from datetime import timedelta

import pytest
import time_machine
from rest_framework.test import APIClient

from accounts.models import Token
from accounts.tokens import keys as tokens

TOKENS = "/api/auth/tokens/"
FIELDS = {
    "id",
    "name",
    "prefix",
    "scopes",
    "created_at",
    "last_used_at",
    "expires_at",
    "allowed_ips",
    "last_used_ip",
    "current",
}


def _bearer(api_client, raw):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api_client


def test_list_shows_live_tokens_and_marks_the_current_one(auth_client, issued_token, user):
    token, raw = issued_token
    phone, _ = Token.objects.issue(user, name="phone")
    Token.objects.issue(user, name="gone")[0].revoke(Token.RevokeReason.LOGOUT)
    expired, _ = Token.objects.issue(user, name="old", ttl=timedelta(seconds=-1))
    response = auth_client.get(TOKENS)
    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body] == [phone.pk, token.pk]
    assert all(set(item) == FIELDS for item in body)
    by_id = {item["id"]: item for item in body}
    assert by_id[token.pk]["current"] is True
    assert by_id[phone.pk]["current"] is False
    assert by_id[token.pk]["prefix"] == raw[:12]
    assert by_id[token.pk]["scopes"] == ["read", "write"]
    # Neither the digest nor the raw token is ever listed.
    assert token.digest not in response.content.decode()
    assert raw not in response.content.decode()


def test_list_shows_only_the_callers_tokens(auth_client, other_user):
    Token.objects.issue(other_user, name="bob's")
    assert [item["name"] for item in auth_client.get(TOKENS).json()] == ["test"]


def test_list_requires_authentication(api_client, db):
    response = api_client.get(TOKENS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_create_returns_the_raw_token_once(auth_client, user):
    response = auth_client.post(TOKENS, {"name": "CI deploy"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == FIELDS | {"token"}
    assert tokens.is_well_formed(body["token"])
    assert response["Cache-Control"] == "no-store"
    token = Token.objects.get(digest=tokens.digest(body["token"]))
    assert token.user == user
    assert token.kind == Token.Kind.PERSONAL
    assert (body["id"], body["name"], body["prefix"]) == (token.pk, "CI deploy", token.prefix)
    assert body["scopes"] == ["read", "write"]
    assert body["current"] is False
    # Without expires_in_days it lives as long as a login token.
    assert token.expires_at - token.created_at == timedelta(days=30)
    # The new token works, and the list shows it without the raw value.
    listed = auth_client.get(TOKENS).json()
    assert "token" not in listed[0] and listed[0]["id"] == token.pk
    assert _bearer(auth_client, body["token"]).get("/api/auth/me/").status_code == 200


def test_create_with_expiry_and_scopes(auth_client):
    response = auth_client.post(
        TOKENS,
        {"name": "reporting", "expires_in_days": 365, "scopes": ["read", "read"]},
        format="json",
    )
    assert response.status_code == 201
    token = Token.objects.get(pk=response.json()["id"])
    assert token.expires_at - token.created_at == timedelta(days=365)
    assert token.scopes == ["read"] == response.json()["scopes"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "x", "expires_in_days": 366}, "expires_in_days"),
        ({"name": "x", "expires_in_days": 0}, "expires_in_days"),
        ({"name": "x", "expires_in_days": 10**30}, "expires_in_days"),
        ({"name": "x", "expires_in_days": "soon"}, "expires_in_days"),
        ({"name": "x", "expires_in_days": None}, "expires_in_days"),
        ({"name": "x", "scopes": ["admin"]}, "scopes"),
        ({"name": "x", "scopes": []}, "scopes"),
        ({"name": "x", "scopes": "read"}, "scopes"),
        ({"name": "x", "scopes": {"read": 1}}, "scopes"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({}, "name"),
    ],
)
def test_create_rejects_bad_fields(auth_client, payload, field):
    response = auth_client.post(TOKENS, payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert Token.objects.count() == 1


def test_expiry_above_the_maximum_is_refused_not_clamped(auth_client, settings):
    settings.ACCOUNTS_TOKEN_MAX_TTL = timedelta(days=90)
    response = auth_client.post(TOKENS, {"name": "x", "expires_in_days": 91}, format="json")
    assert response.status_code == 400
    assert response.json() == {"expires_in_days": ["Tokens can live at most 90 days."]}
    ok = auth_client.post(TOKENS, {"name": "x", "expires_in_days": 90}, format="json")
    assert ok.status_code == 201


def test_never_expiring_token_only_without_a_maximum(auth_client, settings):
    settings.ACCOUNTS_TOKEN_MAX_TTL = None
    response = auth_client.post(TOKENS, {"name": "x", "expires_in_days": None}, format="json")
    assert response.status_code == 201
    assert response.json()["expires_at"] is None


def test_default_lifetime_never_exceeds_the_maximum(auth_client, settings):
    settings.ACCOUNTS_TOKEN_MAX_TTL = timedelta(days=7)
    response = auth_client.post(TOKENS, {"name": "x"}, format="json")
    token = Token.objects.get(pk=response.json()["id"])
    assert token.expires_at - token.created_at == timedelta(days=7)


def test_old_token_needs_the_password_to_create_a_token(auth_client, issued_token, password):
    token, _ = issued_token
    with time_machine.travel(token.created_at + timedelta(minutes=10, seconds=1), tick=False):
        response = auth_client.post(TOKENS, {"name": "sibling"}, format="json")
        assert response.status_code == 400
        assert response.json() == {"password": ["Enter your password again to create a token."]}
        response = auth_client.post(TOKENS, {"name": "sibling", "password": "nope"}, format="json")
        assert response.status_code == 400
        assert response.json() == {"password": ["Your password is incorrect."]}
        assert Token.objects.count() == 1
        response = auth_client.post(
            TOKENS, {"name": "sibling", "password": password}, format="json"
        )
        assert response.status_code == 201


def test_fresh_token_needs_no_password_but_a_sent_one_is_checked(auth_client, issued_token):
    token, _ = issued_token
    with time_machine.travel(token.created_at + timedelta(minutes=10), tick=False):
        response = auth_client.post(TOKENS, {"name": "x", "password": "wrong"}, format="json")
        assert response.status_code == 400
        assert response.json() == {"password": ["Your password is incorrect."]}
        assert auth_client.post(TOKENS, {"name": "x"}, format="json").status_code == 201


def test_session_needs_the_password_to_create_a_token(client, user, password):
    client.force_login(user)
    response = client.post(TOKENS, {"name": "x"}, content_type="application/json")
    assert response.status_code == 400
    assert list(response.json()) == ["password"]
    response = client.post(
        TOKENS, {"name": "x", "password": password}, content_type="application/json"
    )
    assert response.status_code == 201


def test_delete_revokes_own_token(auth_client, user):
    phone, phone_raw = Token.objects.issue(user, name="phone")
    response = auth_client.delete(f"{TOKENS}{phone.pk}/")
    assert response.status_code == 204
    phone.refresh_from_db()
    assert phone.revoked_at is not None and phone.revoked_reason == "user_request"
    assert _bearer(auth_client.__class__(), phone_raw).get(TOKENS).status_code == 401
    # Gone from the list, and a second delete finds nothing.
    assert auth_client.delete(f"{TOKENS}{phone.pk}/").status_code == 404


def test_delete_another_users_token_is_404(auth_client, other_user):
    theirs, _ = Token.objects.issue(other_user)
    response = auth_client.delete(f"{TOKENS}{theirs.pk}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such token."}
    missing = auth_client.delete(f"{TOKENS}{theirs.pk + 1000}/")
    assert (missing.status_code, missing.json()) == (404, response.json())
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_delete_with_a_huge_id_is_404(auth_client):
    assert auth_client.delete(f"{TOKENS}{10**30}/").status_code == 404


def test_logout_all_can_keep_the_current_token(auth_client, issued_token, user):
    token, _ = issued_token
    phone, _ = Token.objects.issue(user, name="phone")
    response = auth_client.post("/api/auth/logout-all/", {"keep_current": True}, format="json")
    assert response.status_code == 204
    token.refresh_from_db()
    phone.refresh_from_db()
    assert token.revoked_at is None
    assert phone.revoked_reason == "logout_all"
    assert [item["id"] for item in auth_client.get(TOKENS).json()] == [token.pk]


def test_logout_all_rejects_a_bad_keep_current(auth_client):
    response = auth_client.post("/api/auth/logout-all/", {"keep_current": "maybe"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["keep_current"]


def test_token_cap_blocks_login_and_creation_without_deleting(
    auth_client, api_client, user, password, settings
):
    settings.ACCOUNTS_MAX_TOKENS_PER_USER = 3
    Token.objects.issue(user, name="two")
    Token.objects.issue(user, name="dead")[0].revoke(Token.RevokeReason.LOGOUT)  # not counted
    assert auth_client.post(TOKENS, {"name": "three"}, format="json").status_code == 201
    response = auth_client.post(TOKENS, {"name": "four"}, format="json")
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert "3 active tokens" in detail and "Revoke" in detail
    login = APIClient().post(
        "/api/auth/login/", {"email": user.email, "password": password}, format="json"
    )
    assert login.status_code == 403
    assert login.json() == {"detail": detail}
    # Nothing was silently deleted or revoked to make room.
    assert Token.objects.filter(user=user).count() == 4
    assert Token.objects.filter(user=user).live().count() == 3
    # Revoking one makes room again.
    auth_client.delete(f"{TOKENS}{Token.objects.get(name='two').pk}/")
    assert auth_client.post(TOKENS, {"name": "four"}, format="json").status_code == 201


def test_token_cap_is_per_user(user, other_user, settings):
    settings.ACCOUNTS_MAX_TOKENS_PER_USER = 1
    Token.objects.issue(user)
    Token.objects.issue(other_user)
    settings.ACCOUNTS_MAX_TOKENS_PER_USER = None
    Token.objects.issue(user)
    assert Token.objects.filter(user=user).live().count() == 2


def test_api_root_lists_the_lifecycle_endpoints(api_client, db):
    body = api_client.get("/api/").json()
    assert body["tokens"] == "http://testserver/api/auth/tokens/"
    assert body["password-change"] == "http://testserver/api/auth/password/change/"
    assert body["password-reset"] == "http://testserver/api/auth/password/reset/"
    assert body["password-reset-confirm"] == "http://testserver/api/auth/password/reset/confirm/"
    assert body["token-revoke"] == "http://testserver/api/auth/tokens/revoke/"


def test_schema_describes_the_lifecycle_endpoints(api_client, db):
    schema = api_client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    create = paths["/api/auth/tokens/"]["post"]
    assert "201" in create["responses"]
    request = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][request.rsplit("/", 1)[1]]["properties"]
    assert {"name", "expires_in_days", "idle_timeout_days", "scopes", "password"} <= set(fields)
    assert "204" in paths["/api/auth/tokens/{id}/"]["delete"]["responses"]
    assert "202" in paths["/api/auth/password/reset/"]["post"]["responses"]
    assert "204" in paths["/api/auth/password/reset/confirm/"]["post"]["responses"]
    assert "204" in paths["/api/auth/password/change/"]["post"]["responses"]


def test_browsable_api_offers_the_creation_form(client, user):
    client.force_login(user)
    response = client.get(TOKENS, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    # The form for POST lists what creation accepts, not the read-only list fields.
    assert "expires_in_days" in response.content.decode()
