import pytest

from accounts.models import Token
from accounts.signals import token_issued, token_revoked


@pytest.fixture
def received():
    events = []

    def on_issued(sender, token, reason, **kwargs):
        events.append(("issued", sender, token.pk, reason))

    def on_revoked(sender, token, reason, **kwargs):
        events.append(("revoked", sender, token.pk, reason))

    token_issued.connect(on_issued)
    token_revoked.connect(on_revoked)
    yield events
    token_issued.disconnect(on_issued)
    token_revoked.disconnect(on_revoked)


def test_login_and_logout_send_signals(api_client, user, password, received):
    response = api_client.post(
        "/api/auth/login/", {"email": user.email, "password": password}, format="json"
    )
    token = Token.objects.get()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")
    api_client.post("/api/auth/logout/")
    assert received == [("issued", Token, token.pk, ""), ("revoked", Token, token.pk, "logout")]


def test_every_revocation_path_records_its_reason(auth_client, issued_token, user, received):
    mine, _ = issued_token
    personal = auth_client.post("/api/auth/tokens/", {"name": "ci"}, format="json").json()
    auth_client.delete(f"/api/auth/tokens/{personal['id']}/")
    phone, _ = Token.objects.issue(user, name="phone")
    auth_client.post("/api/auth/logout-all/", {"keep_current": True}, format="json")
    assert [event[0::2] for event in received] == [
        ("issued", personal["id"]),
        ("revoked", personal["id"]),
        ("issued", phone.pk),
        ("revoked", phone.pk),
    ]
    assert [event[3] for event in received if event[0] == "revoked"] == [
        "user_request",
        "logout_all",
    ]
    phone.refresh_from_db()
    assert phone.revoked_at is not None and phone.revoked_reason == "logout_all"


def test_revoking_twice_signals_once(issued_token, received):
    token, _ = issued_token
    token.revoke(Token.RevokeReason.ADMIN)
    Token.objects.filter(pk=token.pk).revoke(Token.RevokeReason.COMMAND)
    assert received == [("revoked", Token, token.pk, "admin")]
