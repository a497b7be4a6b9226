"""The browsable API, Swagger UI and ReDoc as people read them: names, tags, summaries, examples."""

from django.test import Client

from accounts.models import Token
from tests.test_schema import operations

TAGS = {"Authentication", "Tokens", "Passwords", "MFA", "API"}


def test_every_operation_has_a_summary_and_a_tag(schema):
    for path, method, operation in operations(schema):
        assert operation.get("summary"), (path, method)
        assert "_" not in operation["summary"], (path, method)  # not an operation id
        assert len(operation["tags"]) == 1 and operation["tags"][0] in TAGS, (path, method)
    login = schema["paths"]["/api/auth/login/"]["post"]
    assert (login["summary"], login["tags"]) == ("Log in", ["Authentication"])
    revoke = schema["paths"]["/api/auth/tokens/{id}/"]["delete"]
    assert (revoke["summary"], revoke["tags"]) == ("Revoke one of your tokens", ["Tokens"])
    change = schema["paths"]["/api/auth/password/change/"]["post"]
    assert change["tags"] == ["Passwords"]


def test_help_texts_say_days_not_setting_names(schema, settings):
    assert "ACCOUNTS_" not in str(schema)
    fields = schema["components"]["schemas"]["TokenCreateRequest"]["properties"]
    assert fields["expires_in_days"]["description"] == (
        "Days until the token expires, at most 365. Omitted: 30 days."
    )


def test_expiry_help_follows_the_settings_in_force(settings):
    from datetime import timedelta

    from accounts.tokens.serializers import TokenCreateSerializer

    settings.ACCOUNTS_TOKEN_MAX_TTL = timedelta(days=90)
    help_text = TokenCreateSerializer().fields["expires_in_days"].help_text
    assert help_text == "Days until the token expires, at most 90. Omitted: 30 days."


def test_authorize_dialog_offers_the_bearer_token_only(schema):
    schemes = schema["components"]["securitySchemes"]
    assert set(schemes) == {"bearerAuth"}  # no cookieAuth: a cookie cannot be pasted there
    assert "without the `Bearer` keyword" in schemes["bearerAuth"]["description"]
    for path, method, operation in operations(schema):
        for requirement in operation.get("security", []):
            assert set(requirement) <= {"bearerAuth"}, (path, method)


def test_served_schema_examples_use_the_request_host(client, db):
    response = client.get("/api/schema/", {"format": "json"}, HTTP_HOST="localhost:8123")
    assert response.status_code == 200
    text = response.content.decode()
    assert "127.0.0.1:8000" not in text
    assert "http://localhost:8123/api/auth/login/" in text


def test_token_detail_returns_a_live_token_of_the_caller(auth_client, issued_token, user):
    token, _ = issued_token
    response = auth_client.get(f"/api/auth/tokens/{token.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == token.pk and body["prefix"] == token.prefix
    assert body["current"] is True and body["scopes"] == ["read", "write"]
    assert "digest" not in body and "token" not in body


def test_token_detail_is_404_for_others_and_revoked(auth_client, other_user, user):
    theirs, _ = Token.objects.issue(other_user)
    gone, _ = Token.objects.issue(user)
    gone.revoke(Token.RevokeReason.LOGOUT)
    for token in (theirs, gone):
        response = auth_client.get(f"/api/auth/tokens/{token.pk}/")
        assert response.status_code == 404
        assert response.json() == {"detail": "No such token."}


def test_browsable_api_names_views_for_people(user, password, issued_token):
    client = Client()
    client.force_login(user)
    page = client.get("/api/auth/tokens/", HTTP_ACCEPT="text/html").content.decode()
    assert "<h1>Your tokens</h1>" in page
    detail = client.get(f"/api/auth/tokens/{issued_token[0].pk}/", HTTP_ACCEPT="text/html")
    assert detail.status_code == 200
    assert "<h1>Token</h1>" in detail.content.decode()


def test_redoc_page_replaces_the_cdn_logo_before_redoc_starts(client, db):
    html = client.get("/api/redoc/").content.decode()
    shim = html.index("/static/accounts/redoc-offline.js")
    assert shim < html.index("redoc.standalone.js")
