"""The admin without dead ends: deleting users, picking users by email, revoking tokens."""

import json
import logging

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission

from accounts.models import Token, User
from tests.test_admin_tokens import _form_data


@pytest.fixture
def owner(db) -> User:
    return User.objects.create_user("erase@example.com", "plum-tree orbit harbour lantern")


def test_superuser_deletes_a_user_who_had_tokens(staff_client, owner, caplog):
    Token.objects.issue(owner)
    Token.objects.issue(owner)[0].revoke(Token.RevokeReason.LOGOUT)
    url = f"/admin/accounts/user/{owner.pk}/delete/"
    confirm = staff_client.get(url)
    assert confirm.status_code == 200
    assert not confirm.context["perms_lacking"]
    with caplog.at_level(logging.INFO, logger="accounts.security"):
        response = staff_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=owner.pk).exists()
    assert not Token.objects.filter(user_id=owner.pk).exists()
    events = [json.loads(r.getMessage()) for r in caplog.records if r.name == "accounts.security"]
    deleted = [e for e in events if e["event"] == "user.deleted"]
    assert deleted == [
        {
            "event": "user.deleted",
            "ip": "127.0.0.1",
            "user_id": owner.pk,
            "tokens_deleted": 2,
            "by_user_id": response.wsgi_request.user.pk,
        }
    ]
    assert "erase@example.com" not in caplog.text


def test_bulk_delete_action_logs_each_user(staff_client, owner, caplog):
    Token.objects.issue(owner)
    with caplog.at_level(logging.INFO, logger="accounts.security"):
        response = staff_client.post(
            "/admin/accounts/user/",
            {"action": "delete_selected", "_selected_action": [owner.pk], "post": "yes"},
        )
    assert response.status_code == 302
    assert not User.objects.filter(pk=owner.pk).exists()
    assert '"event": "user.deleted"' in caplog.text


def test_staff_without_superuser_still_cannot_delete_tokens_with_a_user(client, owner):
    clerk = User.objects.create_user("clerk@example.com", "a clerk passphrase", is_staff=True)
    clerk.user_permissions.set(Permission.objects.filter(codename__in=["delete_user", "view_user"]))
    client.force_login(clerk)
    Token.objects.issue(owner)
    response = client.post(f"/admin/accounts/user/{owner.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert User.objects.filter(pk=owner.pk).exists()


def test_tokens_alone_still_cannot_be_deleted(staff_client, owner):
    token, _ = Token.objects.issue(owner)
    assert staff_client.get(f"/admin/accounts/token/{token.pk}/delete/").status_code == 403
    assert Token.objects.filter(pk=token.pk).exists()


def test_add_token_picks_the_user_by_email(staff_client, owner):
    page = staff_client.get("/admin/accounts/token/add/").content.decode()
    assert 'class="admin-autocomplete' in page
    assert 'data-ajax--url="/admin/autocomplete/"' in page
    response = staff_client.get(
        "/admin/autocomplete/",
        {"app_label": "accounts", "model_name": "token", "field_name": "user", "term": "erase"},
    )
    assert response.json()["results"] == [{"id": str(owner.pk), "text": "erase@example.com"}]


def test_add_token_autocomplete_hides_staff_from_non_superusers(client, owner):
    clerk = User.objects.create_user("clerk@example.com", "a clerk passphrase", is_staff=True)
    clerk.user_permissions.set(
        Permission.objects.filter(codename__in=["view_user", "add_token", "view_token"])
    )
    client.force_login(clerk)
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "accounts", "model_name": "token", "field_name": "user", "term": "e"},
    )
    assert [row["text"] for row in response.json()["results"]] == ["erase@example.com"]


def test_token_page_is_a_view_with_a_revoke_button(staff_client, owner):
    token, _ = Token.objects.issue(owner, scopes=["read", "write"])
    url = f"/admin/accounts/token/{token.pk}/change/"
    html = staff_client.get(url).content.decode()
    assert f"<title>{token.prefix}… | View token |" in html
    assert 'name="_save"' not in html and 'name="_continue"' not in html
    assert 'name="_addanother"' not in html
    assert 'name="_revoke"' in html
    assert '<div class="readonly">read, write</div>' in html
    response = staff_client.post(url, {"_revoke": "Revoke"}, follow=True)
    token.refresh_from_db()
    assert token.revoked_reason == "admin" and token.revoked_at is not None
    assert "Revoked 1 token." in [str(m) for m in response.context["messages"]]
    assert LogEntry.objects.get(object_id=str(token.pk)).get_change_message() == "Revoked."
    # Revoked: nothing left to press.
    assert 'name="_revoke"' not in staff_client.get(url).content.decode()


def test_read_only_staff_cannot_revoke_from_the_token_page(client, owner):
    viewer = User.objects.create_user("view@example.com", "a viewer passphrase", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_token"))
    client.force_login(viewer)
    token, _ = Token.objects.issue(owner)
    url = f"/admin/accounts/token/{token.pk}/change/"
    assert 'name="_revoke"' not in client.get(url).content.decode()
    assert client.post(url, {"_revoke": "Revoke"}).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_lists_have_few_columns(staff_client, owner):
    Token.objects.issue(owner)
    tokens = staff_client.get("/admin/accounts/token/")
    assert [c["text"].lower() for c in tokens.context["result_headers"][1:]] == [
        "prefix",
        "user",
        "name",
        "last used",
        "expires",
        "state",
    ]
    users = staff_client.get("/admin/accounts/user/")
    assert [c["text"].lower() for c in users.context["result_headers"][1:]] == [
        "email address",
        "name",
        "active",
        "staff status",
        "last login",
        "live tokens",
        "mfa",
    ]


def test_revoking_from_the_user_page_says_how_many(staff_client, owner):
    Token.objects.issue(owner, name="one")
    Token.objects.issue(owner, name="two")
    url = f"/admin/accounts/user/{owner.pk}/change/"
    data = _form_data(staff_client.get(url))
    data["tokens-0-revoke"] = data["tokens-1-revoke"] = "on"
    response = staff_client.post(url, data, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert "Revoked 2 tokens." in messages
    assert Token.objects.filter(user=owner).live().count() == 0


def test_add_token_without_user_view_permission_offers_a_plain_list(client, owner):
    clerk = User.objects.create_user("clerk@example.com", "a clerk passphrase", is_staff=True)
    clerk.user_permissions.set(Permission.objects.filter(codename__endswith="_token"))
    client.force_login(clerk)
    page = client.get("/admin/accounts/token/add/").content.decode()
    assert "admin-autocomplete" not in page
    assert f'<option value="{owner.pk}">erase@example.com</option>' in page
    assert "clerk@example.com</option>" not in page  # staff stay off the list


def test_add_token_help_gives_the_limit_in_days(staff_client, settings):
    from datetime import timedelta

    settings.ACCOUNTS_TOKEN_MAX_TTL = timedelta(days=90)
    page = staff_client.get("/admin/accounts/token/add/").content.decode()
    assert "At most 90 days." in page and "ACCOUNTS_" not in page
