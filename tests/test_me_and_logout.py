from accounts.models import Token

ME = "/api/auth/me/"


def test_me_returns_profile(auth_client, user):
    response = auth_client.get(ME)
    assert response.status_code == 200
    assert response.json() == {
        "id": user.id,
        "email": user.email,
        "first_name": "",
        "last_name": "",
        "date_joined": response.json()["date_joined"],
    }
    assert response.json()["date_joined"].startswith(str(user.date_joined.date()))


def test_me_patch_updates_names_only(auth_client, user):
    response = auth_client.patch(
        ME, {"first_name": "Alice", "last_name": "Liddell", "email": "x@example.com"}, format="json"
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.email) == (
        "Alice",
        "Liddell",
        "alice@example.com",
    )


def test_me_rejects_put_and_bad_input(auth_client):
    assert auth_client.put(ME, {"first_name": "A"}, format="json").status_code == 405
    response = auth_client.patch(ME, {"first_name": "x" * 151}, format="json")
    assert response.status_code == 400
    assert "first_name" in response.json()


def test_logout_revokes_only_the_current_token(auth_client, issued_token, user):
    token, raw = issued_token
    other, other_raw = Token.objects.issue(user, name="phone")
    response = auth_client.post("/api/auth/logout/")
    assert response.status_code == 204
    token.refresh_from_db()
    other.refresh_from_db()
    assert token.revoked_reason == "logout" and token.revoked_at is not None
    assert other.revoked_at is None
    assert auth_client.get(ME).status_code == 401
    auth_client.credentials(HTTP_AUTHORIZATION=f"Bearer {other_raw}")
    assert auth_client.get(ME).status_code == 200


def test_logout_all_revokes_every_token(auth_client, issued_token, user, other_user):
    Token.objects.issue(user, name="phone")
    bystander, _ = Token.objects.issue(other_user)
    response = auth_client.post("/api/auth/logout-all/")
    assert response.status_code == 204
    assert not Token.objects.filter(user=user).live().exists()
    assert set(Token.objects.filter(user=user).values_list("revoked_reason", flat=True)) == {
        "logout_all"
    }
    bystander.refresh_from_db()
    assert bystander.revoked_at is None
    assert auth_client.get(ME).status_code == 401


def test_logout_requires_authentication(api_client, db):
    response = api_client.post("/api/auth/logout/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_api_root_lists_endpoints(api_client, db):
    response = api_client.get("/api/")
    assert response.status_code == 200
    body = response.json()
    for name in ["register", "login", "me", "logout", "logout-all"]:
        assert body[name].startswith("http://testserver/api/")


def test_browsable_api_renders_for_logged_in_session(client, user):
    client.force_login(user)
    response = client.get(ME, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert b"alice@example.com" in response.content
    assert b"<html" in response.content


def test_session_writes_still_need_csrf(user):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.patch(ME, {"first_name": "Mallory"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
