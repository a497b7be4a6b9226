import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from accounts.models import Token
from accounts.tokens.permissions import TokenHasScope

ME = "/api/auth/me/"
INSUFFICIENT = 'Bearer realm="api", error="insufficient_scope", scope="write"'


@pytest.fixture
def client_with_scopes(api_client, user):
    def make(*scopes):
        _, raw = Token.objects.issue(user, name="script", scopes=scopes, kind="personal")
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return api_client

    return make


@pytest.mark.parametrize("method", ["get", "head", "options"])
def test_read_token_may_use_safe_methods(client_with_scopes, method):
    response = getattr(client_with_scopes("read"), method)(ME)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("patch", ME, {"first_name": "Mallory"}),
        ("post", "/api/auth/tokens/", {"name": "sibling"}),
        ("post", "/api/auth/logout-all/", {}),
        ("post", "/api/auth/password/change/", {"current_password": "x", "new_password": "y"}),
    ],
)
def test_read_token_cannot_write(client_with_scopes, user, method, path, payload):
    client = client_with_scopes("read")
    response = getattr(client, method)(path, payload, format="json")
    assert response.status_code == 403
    assert response.json() == {
        "detail": "This token does not have the scope needed for this request."
    }
    assert response["WWW-Authenticate"] == INSUFFICIENT
    user.refresh_from_db()
    assert user.first_name == ""
    # Nothing was revoked or created.
    assert Token.objects.filter(user=user).live().count() == 1


def test_read_token_cannot_delete_a_token(client_with_scopes, user):
    client = client_with_scopes("read")
    victim, _ = Token.objects.issue(user, name="victim")
    response = client.delete(f"/api/auth/tokens/{victim.pk}/")
    assert response.status_code == 403
    assert response["WWW-Authenticate"] == INSUFFICIENT
    victim.refresh_from_db()
    assert victim.revoked_at is None


@pytest.mark.parametrize("scopes", [("write",), ("read", "write")])
def test_write_token_may_do_everything(client_with_scopes, scopes):
    client = client_with_scopes(*scopes)
    assert client.get(ME).status_code == 200
    assert client.patch(ME, {"first_name": "Alice"}, format="json").status_code == 200


def test_token_without_scopes_can_do_nothing(client_with_scopes):
    client = client_with_scopes()
    response = client.get(ME)
    assert response.status_code == 403
    assert response["WWW-Authenticate"] == (
        'Bearer realm="api", error="insufficient_scope", scope="read"'
    )


def test_login_tokens_carry_both_scopes(api_client, user, password):
    response = api_client.post(
        "/api/auth/login/", {"email": user.email, "password": password}, format="json"
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")
    assert api_client.get("/api/auth/tokens/").json()[0]["scopes"] == ["read", "write"]
    assert api_client.patch(ME, {"first_name": "A"}, format="json").status_code == 200


def test_sessions_are_not_scope_limited(client, user):
    client.force_login(user)
    response = client.patch(ME, {"first_name": "Alice"}, content_type="application/json")
    assert response.status_code == 200


def _api_views(resolver=None):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _api_views(pattern)
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "cls", None)
            if view is not None and issubclass(view, APIView):
                yield view


def _public_and_read_only(view) -> bool:
    # Anyone may read these without a token, so a token's scopes cannot matter.
    permissions = [type(permission) for permission in view().get_permissions()]
    methods = {method.upper() for method in view().allowed_methods}
    return permissions == [AllowAny] and methods <= {"GET", "HEAD", "OPTIONS"}


def test_read_token_can_revoke_itself(client_with_scopes, user):
    # A leaked read-only token must not outlive its holder's wish to kill it.
    client = client_with_scopes("read")
    assert client.post("/api/auth/logout/").status_code == 204
    assert not Token.objects.filter(user=user).live().exists()
    assert client.get(ME).status_code == 401


def test_every_api_view_enforces_scopes():
    from accounts.api.views import LogoutView

    views = list(_api_views())
    assert len(views) >= 11
    for view in views:
        if view is LogoutView:  # revoking its own token needs no scope
            continue
        authenticated = view().get_authenticators()
        permissions = [type(permission) for permission in view().get_permissions()]
        assert not authenticated or TokenHasScope in permissions or _public_and_read_only(view), (
            view
        )
