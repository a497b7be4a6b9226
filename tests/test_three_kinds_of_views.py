"""DRF, django-ninja and plain Django views: one token check, the same answers."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Token, User

pytestmark = pytest.mark.urls("tests.urls_three_kinds")

PREFIXES = {"drf": "/api/", "ninja": "/api/ninja/", "plain": "/api/plain/"}
KINDS = list(PREFIXES)


def call(kind, method, path, token=None, header=None, **extra):
    headers = {}
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if header is not None:
        headers["HTTP_AUTHORIZATION"] = header
    # A client that enforces CSRF, as browsers meet it: a bearer token needs no CSRF token.
    client = Client(enforce_csrf_checks=True)
    return getattr(client, method)(
        PREFIXES[kind] + path, content_type="application/json", **headers, **extra
    )


def answer(response) -> tuple:
    return response.status_code, response.json(), response.get("WWW-Authenticate")


@pytest.fixture
def token_with(user):
    def make(*scopes, **kwargs):
        return Token.objects.issue(user, scopes=scopes, kind="personal", **kwargs)

    return make


@pytest.mark.parametrize("kind", KINDS)
def test_a_working_token_sets_user_and_auth(kind, token_with, user):
    token, raw = token_with("read")
    response = call(kind, "get", "notes/", raw)
    assert response.status_code == 200
    if kind != "drf":
        assert response.json()[0]["owner"] == user.email
        assert response.json()[0]["token"] == token.pk


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_read_only_token_cannot_write(kind, method, token_with):
    _, raw = token_with("read")
    assert answer(call(kind, method, "notes/", raw)) == (
        403,
        {"detail": "This token does not have the scope needed for this request."},
        'Bearer realm="api", error="insufficient_scope", scope="write"',
    )


@pytest.mark.parametrize("kind", KINDS)
def test_a_write_token_writes(kind, token_with):
    _, raw = token_with("read", "write")
    assert call(kind, "post", "notes/", raw).status_code == 201


@pytest.mark.parametrize("kind", KINDS)
def test_the_read_only_post_opt_out(kind, token_with):
    _, raw = token_with("read")
    assert call(kind, "post", "notes/search/", raw).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_required_scopes(kind, token_with, settings):
    settings.ACCOUNTS_TOKEN_SCOPES = "read write notes:read"
    assert call(kind, "get", "scoped-notes/", token_with("notes:read")[1]).status_code == 200
    refused = call(kind, "get", "scoped-notes/", token_with("read", "write")[1])
    assert refused.status_code == 403
    assert refused["WWW-Authenticate"] == (
        'Bearer realm="api", error="insufficient_scope", scope="notes:read"'
    )


def _same_everywhere(**request):
    answers = {kind: answer(call(kind, "get", "notes/", **request)) for kind in KINDS}
    assert answers["ninja"] == answers["drf"] and answers["plain"] == answers["drf"], answers
    return answers["drf"]


def test_no_token_is_the_same_401_everywhere(db):
    assert _same_everywhere() == (
        401,
        {"detail": "Authentication credentials were not provided."},
        'Bearer realm="api"',
    )


INVALID = (401, {"detail": "Invalid token."}, 'Bearer realm="api", error="invalid_token"')


def test_an_expired_token_is_refused_everywhere(token_with):
    token, raw = token_with("read")
    Token.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _same_everywhere(token=raw) == INVALID


def test_a_revoked_token_is_refused_everywhere(token_with):
    token, raw = token_with("read")
    token.revoke(Token.RevokeReason.USER_REQUEST)
    assert _same_everywhere(token=raw) == INVALID


def test_an_inactive_users_token_is_refused_everywhere(token_with, user):
    _, raw = token_with("read")
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert _same_everywhere(token=raw) == INVALID


def test_ip_restrictions_hold_everywhere(token_with):
    _, raw = token_with("read", allowed_ips=["192.0.2.0/24"])
    assert _same_everywhere(token=raw, REMOTE_ADDR="198.51.100.7") == INVALID
    for kind in KINDS:
        response = call(kind, "get", "notes/", raw, REMOTE_ADDR="192.0.2.10")
        assert response.status_code == 200, kind


def test_malformed_headers_get_the_same_answers_everywhere(db):
    assert _same_everywhere(header="Bearer a b") == (
        400,
        {"detail": "Invalid token header. Token string should not contain spaces."},
        'Bearer realm="api", error="invalid_request"',
    )
    status, body, header = _same_everywhere(header="ast_" + "a" * 49)
    assert status == 401 and "Bearer keyword" in body["detail"]
