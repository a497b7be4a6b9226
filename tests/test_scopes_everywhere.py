"""The scope rule holds on every DRF view, whatever its permission_classes."""

import pytest
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from accounts.models import Token
from accounts.tokens.authentication import TokenAuthentication

pytestmark = pytest.mark.urls("tests.urls_appended")

SCOPE_REFUSED = {"detail": "This token does not have the scope needed for this request."}


def challenge(scope: str) -> str:
    return f'Bearer realm="api", error="insufficient_scope", scope="{scope}"'


@pytest.fixture
def client_with_scopes(api_client, user):
    def make(*scopes):
        _, raw = Token.objects.issue(user, name="script", scopes=scopes, kind="personal")
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return api_client

    return make


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_read_token_cannot_write_on_a_view_with_is_authenticated_alone(client_with_scopes, method):
    response = getattr(client_with_scopes("read"), method)("/api/notes/", {}, format="json")
    assert response.status_code == 403
    assert response.json() == SCOPE_REFUSED
    assert response["WWW-Authenticate"] == challenge("write")


def test_read_token_reads_and_write_token_writes(client_with_scopes):
    assert client_with_scopes("read").get("/api/notes/").status_code == 200
    writer = client_with_scopes("read", "write")
    response = writer.post("/api/notes/", {"text": "hi"}, format="json")
    assert response.status_code == 201
    assert response.json() == {"id": 2, "text": "hi"}


def test_a_view_may_accept_read_tokens_on_post_by_saying_so(client_with_scopes):
    response = client_with_scopes("read").post("/api/notes/search/", {}, format="json")
    assert response.status_code == 200
    # A token with no scope at all is still refused: the POST counts as a read.
    response = client_with_scopes().post("/api/notes/search/", {}, format="json")
    assert response.status_code == 403
    assert response["WWW-Authenticate"] == challenge("read")


def test_allow_any_does_not_drop_the_rule(user):
    class Open(APIView):
        authentication_classes = [TokenAuthentication]
        permission_classes = [AllowAny]

        def post(self, request):
            return Response({"ok": True})

    _, raw = Token.objects.issue(user, scopes=["read"], kind="personal")
    request = APIRequestFactory().post("/x/", {}, HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = Open.as_view()(request)
    assert response.status_code == 403
    assert response["WWW-Authenticate"] == challenge("write")


@pytest.fixture
def notes_scopes(settings):
    settings.ACCOUNTS_TOKEN_SCOPES = "read write notes:read notes:write"


def test_required_scopes_are_checked_like_read_and_write(client_with_scopes, notes_scopes):
    # A login-like token with read and write, but none of the API's own scopes.
    response = client_with_scopes("read", "write").post("/api/scoped-notes/", {}, format="json")
    assert response.status_code == 403
    assert response.json() == SCOPE_REFUSED
    assert response["WWW-Authenticate"] == challenge("notes:write")
    # notes:write alone does not make a write: write is needed too.
    response = client_with_scopes("notes:write").post("/api/scoped-notes/", {}, format="json")
    assert response["WWW-Authenticate"] == challenge("write")
    response = client_with_scopes("write", "notes:write").post("/api/scoped-notes/", format="json")
    assert response.status_code == 201
    # For a read, the view's own scope replaces `read`.
    assert client_with_scopes("notes:read").get("/api/scoped-notes/").status_code == 200
    response = client_with_scopes("read").get("/api/scoped-notes/")
    assert response.status_code == 403
    assert response["WWW-Authenticate"] == challenge("notes:read")


def test_login_tokens_carry_every_declared_scope(api_client, user, password, notes_scopes):
    response = api_client.post(
        "/api/auth/login/", {"email": user.email, "password": password}, format="json"
    )
    token = Token.objects.get(user=user)
    assert token.scopes == ["read", "write", "notes:read", "notes:write"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")
    assert api_client.post("/api/scoped-notes/", {}, format="json").status_code == 201


def test_users_may_ask_for_declared_scopes_but_not_introspect(auth_client, password, notes_scopes):
    body = {"name": "notes", "scopes": ["read", "notes:read"], "password": password}
    response = auth_client.post("/api/auth/tokens/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["scopes"] == ["read", "notes:read"]
    body = {"name": "spy", "scopes": ["read", "introspect"], "password": password}
    response = auth_client.post("/api/auth/tokens/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "scopes": ['Only an administrator can grant the "introspect" scope.']
    }
    body = {"name": "typo", "scopes": ["notes:admin"], "password": password}
    response = auth_client.post("/api/auth/tokens/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"scopes": ['"notes:admin" is not a valid choice.']}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("notes:read", "must include read and write"),
        ("read write introspect", "cannot include introspect"),
        ('read write no"quote', "is not a valid scope name"),
    ],
)
def test_bad_scope_settings_are_refused_with_a_sentence(settings, value, message):
    from accounts.conf import app_settings

    settings.ACCOUNTS_TOKEN_SCOPES = value
    with pytest.raises(ValueError, match=message):
        app_settings.TOKEN_SCOPES  # noqa: B018 (read when used)


def test_admin_form_and_createtoken_offer_every_scope_and_introspect(notes_scopes):
    from accounts.admin.forms import TokenCreationForm

    form = TokenCreationForm()
    offered = [value for value, _ in form.fields["scopes"].choices]
    assert offered == ["read", "write", "notes:read", "notes:write", "introspect"]
    assert form.fields["scopes"].initial == ["read", "write", "notes:read", "notes:write"]


def test_a_required_scope_no_token_can_hold_fails_the_system_check(settings):
    from accounts.tokens.checks import check_required_scopes

    errors = check_required_scopes()
    assert [error.id for error in errors] == ["accounts.E101"]
    assert "ScopedNotesView requires scopes no token can hold: notes:read, notes:write" in (
        errors[0].msg
    )
    settings.ACCOUNTS_TOKEN_SCOPES = "read write notes:read notes:write"
    assert check_required_scopes() == []
