import pytest

from accounts.models import Token, User


def test_token_admin_revoke_action(staff_client, issued_token):
    token, _ = issued_token
    response = staff_client.post(
        "/admin/accounts/token/",
        {"action": "revoke_tokens", "_selected_action": [token.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert b"Revoked 1 token." in response.content
    token.refresh_from_db()
    assert token.revoked_reason == "admin" and token.revoked_at is not None


@pytest.mark.parametrize(
    "url",
    [
        "/admin/accounts/token/",
        "/admin/accounts/token/?state=live",
        "/admin/accounts/token/?state=expired",
        "/admin/accounts/token/?state=revoked",
        "/admin/accounts/token/?q=alice",
        "/admin/accounts/token/{pk}/change/",
        "/admin/accounts/token/{pk}/history/",
        "/admin/accounts/user/",
        "/admin/accounts/user/{user_pk}/change/",
    ],
)
def test_no_admin_page_shows_digest_or_raw_token(staff_client, issued_token, url):
    token, raw = issued_token
    response = staff_client.get(url.format(pk=token.pk, user_pk=token.user_id))
    assert response.status_code == 200
    assert token.digest.encode() not in response.content
    assert raw.encode() not in response.content


def test_token_search_by_prefix(staff_client, issued_token, other_user):
    token, _ = issued_token
    Token.objects.issue(other_user)
    response = staff_client.get("/admin/accounts/token/", {"q": token.prefix})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def test_admin_add_user_hashes_password(staff_client):
    response = staff_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "New.Person@Example.com",
            "usable_password": "true",
            "password1": "a brand new passphrase",
            "password2": "a brand new passphrase",
        },
    )
    assert response.status_code == 302, response.content
    user = User.objects.get(email="new.person@example.com")
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password("a brand new passphrase")


def test_admin_add_user_refuses_duplicate_email_in_other_case(staff_client, user):
    response = staff_client.post(
        "/admin/accounts/user/add/",
        {
            "email": user.email.upper(),
            "usable_password": "true",
            "password1": "a brand new passphrase",
            "password2": "a brand new passphrase",
        },
    )
    assert response.status_code == 200
    assert b"A user with that email already exists." in response.content


def test_admin_token_form_cannot_set_digest_or_prefix(staff_client):
    # Tokens are issued through Token.objects.issue (see test_admin_tokens.py), never typed in.
    response = staff_client.get("/admin/accounts/token/add/")
    assert response.status_code == 200
    assert set(response.context["adminform"].form.fields) == {
        "user",
        "name",
        "expires_in_days",
        "scopes",
        "allowed_ips",
    }
