"""POST /api/auth/introspect/ (RFC 7662) for the project's other services."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Token, User

URL = "/api/auth/introspect/"


@pytest.fixture
def service(api_client, db):
    """A client authenticated as a resource server, with an administrator-granted token."""
    robot = User.objects.create_user("notes-service@example.com", None)
    token, raw = Token.objects.issue(robot, scopes=["introspect"], kind="personal", ttl=None)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    api_client.introspector = token
    return api_client


def ask(client, raw, **extra):
    response = client.post(URL, {"token": raw, **extra}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_live_token_is_described(service, user):
    token, raw = Token.objects.issue(user, name="laptop")
    response = service.post(URL, {"token": raw}, format="json")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response.json() == {
        "active": True,
        "scope": "read write",
        "token_type": "Bearer",
        "exp": int(token.expires_at.timestamp()),
        "iat": int(token.created_at.timestamp()),
        "sub": str(user.pk),
        "username": "alice@example.com",
        "token_id": token.pk,
    }


def test_a_form_body_and_a_hint_work_too(service, user):
    _, raw = Token.objects.issue(user, scopes=["read"], kind="personal", ttl=None)
    response = service.post(URL, {"token": raw, "token_type_hint": "access_token"})
    assert response.status_code == 200
    answer = response.json()
    assert answer["active"] is True and answer["scope"] == "read"
    # A token that never expires has no exp (RFC 7662 makes it a number when present).
    assert "exp" not in answer


def test_an_ip_restricted_token_is_active_and_says_where_from(service, user):
    _, raw = Token.objects.issue(user, kind="personal", allowed_ips=["192.0.2.0/24"])
    answer = ask(service, raw)
    assert answer["active"] is True
    assert answer["allowed_ips"] == ["192.0.2.0/24"]


def _inactive_cases(user):
    now = timezone.now()
    expired, expired_raw = Token.objects.issue(user, name="expired")
    Token.objects.filter(pk=expired.pk).update(expires_at=now - timedelta(seconds=1))
    revoked, revoked_raw = Token.objects.issue(user, name="revoked")
    revoked.revoke(Token.RevokeReason.USER_REQUEST)
    idle, idle_raw = Token.objects.issue(user, name="idle")
    Token.objects.filter(pk=idle.pk).update(created_at=now - timedelta(days=8))
    sleeper = User.objects.create_user("sleeper@example.com", None)
    _, inactive_user_raw = Token.objects.issue(sleeper)
    User.objects.filter(pk=sleeper.pk).update(is_active=False)
    unknown = Token.objects.issue(user, name="gone")[1]
    Token.objects.filter(name="gone").delete()
    return {
        "expired": expired_raw,
        "revoked": revoked_raw,
        "idle": idle_raw,
        "inactive user": inactive_user_raw,
        "unknown": unknown,
        "malformed": "ast_not-a-token",
        "bad checksum": unknown[:-1] + ("A" if unknown[-1] != "A" else "B"),
        "blank": "",
        "junk": "x" * 5000,
    }


def test_anything_else_is_exactly_active_false(service, user):
    for case, raw in _inactive_cases(user).items():
        response = service.post(URL, {"token": raw}, format="json")
        assert response.status_code == 200, case
        assert response.json() == {"active": False}, case
        assert response["Cache-Control"] == "no-store", case


def test_every_answer_makes_the_same_queries(service, user, settings):
    # The rate counter's own queries (insert, then update) are not about the token.
    settings.ACCOUNTS_INTROSPECT_RATE = None
    token, live = Token.objects.issue(user, name="live")
    # No last-use writes in the measured requests (they come after the response anyway).
    now = timezone.now()
    Token.objects.update(last_used_at=now)
    counts = {}
    for case, raw in {"live": live, **_inactive_cases(user)}.items():
        Token.objects.update(last_used_at=now)
        ask(service, raw)  # the caller's token is looked up, possibly cached, once first
        with CaptureQueriesContext(connection) as queries:
            ask(service, raw)
        counts[case] = [query["sql"].split(" WHERE ")[0] for query in queries.captured_queries]
    # The introspected token is looked up by digest whatever it is, malformed ones too.
    assert sum("accounts_token" in sql for sql in counts["live"]) >= 1
    assert all(count == counts["live"] for count in counts.values()), counts


def test_introspection_counts_as_a_use(service, user):
    token, raw = Token.objects.issue(user)
    assert token.last_used_at is None
    ask(service, raw)
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_without_a_token_it_is_401(api_client, db):
    response = api_client.post(URL, {"token": "x"}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_token_without_the_introspect_scope_is_403(auth_client, issued_token):
    response = auth_client.post(URL, {"token": issued_token[1]}, format="json")
    assert response.status_code == 403
    assert response.json() == {
        "detail": "This token does not have the scope needed for this request."
    }
    assert response["WWW-Authenticate"] == (
        'Bearer realm="api", error="insufficient_scope", scope="introspect"'
    )


def test_a_browser_session_cannot_introspect(client, admin_user, issued_token):
    client.force_login(admin_user)
    response = client.post(URL, {"token": issued_token[1]}, content_type="application/json")
    assert response.status_code == 401


def test_the_introspect_token_works_nowhere_else(service):
    assert service.get("/api/auth/me/").status_code == 403
    assert service.post("/api/auth/logout-all/", {}, format="json").status_code == 403


def test_a_missing_token_field_is_a_400(service):
    response = service.post(URL, {"token_type_hint": "access_token"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"token": ["This field is required."]}


def test_rate_limited_per_calling_token(service, user, settings, api_client):
    settings.ACCOUNTS_INTROSPECT_RATE = "2/min"
    _, raw = Token.objects.issue(user)
    ask(service, raw)
    ask(service, raw)
    response = service.post(URL, {"token": raw}, format="json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    # Another service has a budget of its own.
    other = User.objects.create_user("billing-service@example.com", None)
    _, other_raw = Token.objects.issue(other, scopes=["introspect"], kind="personal")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {other_raw}")
    assert ask(api_client, raw)["active"] is True


def test_createtoken_grants_introspect(user, api_client):
    out = StringIO()
    call_command("createtoken", user.email, "--scope", "introspect", stdout=out, stderr=StringIO())
    raw = out.getvalue().strip()
    assert Token.objects.get(name="createtoken").scopes == ["introspect"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert ask(api_client, raw)["scope"] == "introspect"
