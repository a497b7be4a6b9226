"""The admin as operators use it: counting, revoking and issuing tokens."""

import logging
import re
from datetime import timedelta

import pytest
from django import forms
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.contrib.staticfiles import finders
from django.db import connection
from django.utils import timezone

from accounts.models import Token, User
from accounts.tokens import keys as tokens

TOKEN_RE = re.compile(r"ast_[0-9A-Za-z]{49}")
ME = "/api/auth/me/"


@pytest.fixture
def admin_user(db) -> User:
    return User.objects.create_superuser("admin@example.com", "an admin passphrase")


def _form_data(response) -> dict:
    """The data a browser would submit from an admin change page, as rendered."""
    context_forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        context_forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in context_forms:
        for field in form:
            value = field.value()
            if isinstance(field.field.widget, forms.MultiWidget):
                for index, part in enumerate(field.field.widget.decompress(value)):
                    data[f"{field.html_name}_{index}"] = "" if part is None else part
            elif value is None or value is False or field.field.disabled:
                continue
            else:
                data[field.html_name] = value
    return data


def test_user_list_counts_live_tokens_with_a_link_to_them(staff_client, user, other_user):
    Token.objects.issue(user)
    Token.objects.issue(user)
    revoked, _ = Token.objects.issue(user)
    revoked.revoke(Token.RevokeReason.LOGOUT)
    Token.objects.issue(user, ttl=timedelta(seconds=-1))  # already expired
    response = staff_client.get("/admin/accounts/user/")
    assert response.status_code == 200
    rows = {row.email: row.live_token_count for row in response.context["cl"].result_list}
    assert rows == {"admin@example.com": 0, "alice@example.com": 2, "bob@example.com": 0}
    link = f'href="/admin/accounts/token/?user__id__exact={user.pk}&amp;state=live">2</a>'
    assert link.encode() in response.content


def test_user_list_search_and_filters(staff_client, user, other_user):
    other_user.is_active = False
    other_user.save()
    response = staff_client.get("/admin/accounts/user/", {"q": "alice"})
    assert [u.email for u in response.context["cl"].result_list] == ["alice@example.com"]
    response = staff_client.get("/admin/accounts/user/", {"is_active__exact": "0"})
    assert [u.email for u in response.context["cl"].result_list] == ["bob@example.com"]
    response = staff_client.get("/admin/accounts/user/", {"is_staff__exact": "1"})
    assert [u.email for u in response.context["cl"].result_list] == ["admin@example.com"]


def test_revoke_all_tokens_of_selected_users(staff_client, user, other_user):
    Token.objects.issue(user)
    Token.objects.issue(user)
    bystander, _ = Token.objects.issue(other_user)
    response = staff_client.post(
        "/admin/accounts/user/",
        {"action": "revoke_all_tokens", "_selected_action": [user.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert b"Revoked 2 tokens." in response.content
    assert set(user.tokens.values_list("revoked_reason", flat=True)) == {"admin"}
    bystander.refresh_from_db()
    assert bystander.revoked_at is None


def test_user_page_lists_tokens_with_their_state(staff_client, user):
    live, _ = Token.objects.issue(user, name="laptop")
    gone, _ = Token.objects.issue(user, name="phone")
    gone.revoke(Token.RevokeReason.LOGOUT)
    response = staff_client.get(f"/admin/accounts/user/{user.pk}/change/")
    assert response.status_code == 200
    content = response.content.decode()
    for text in (live.prefix, gone.prefix, "laptop", "phone", "live", "revoked"):
        assert text in content
    boxes = {
        form.instance.pk: form["revoke"]
        for form in response.context["inline_admin_formsets"][0].formset.forms
    }
    assert f'name="{boxes[live.pk].html_name}"' in content
    # A revoked token's box is disabled: there is nothing left to revoke.
    assert boxes[gone.pk].field.disabled and not boxes[live.pk].field.disabled
    assert live.digest not in content and gone.digest not in content


def test_user_page_revokes_one_token_per_row(staff_client, user):
    keep, keep_raw = Token.objects.issue(user, name="keep")
    drop, drop_raw = Token.objects.issue(user, name="drop")
    page = staff_client.get(f"/admin/accounts/user/{user.pk}/change/")
    data = _form_data(page)
    index = next(
        i
        for i, form in enumerate(page.context["inline_admin_formsets"][0].formset.forms)
        if form.instance.pk == drop.pk
    )
    # The API is used after the page was loaded: the save must not overwrite last_used_at.
    used_at = timezone.now()
    Token.objects.filter(pk=keep.pk).update(last_used_at=used_at)
    data[f"tokens-{index}-revoke"] = "on"
    response = staff_client.post(f"/admin/accounts/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.context and response.context["errors"]
    drop.refresh_from_db()
    keep.refresh_from_db()
    assert drop.revoked_reason == "admin" and drop.revoked_at is not None
    assert keep.revoked_at is None and keep.last_used_at == used_at
    entry = LogEntry.objects.get(object_id=str(user.pk))
    assert "Revoke" in entry.get_change_message() and drop.prefix in entry.get_change_message()
    for secret in (drop.digest, drop_raw, keep.digest, keep_raw):
        assert secret not in entry.change_message and secret not in entry.object_repr


def test_token_list_filters_by_state_and_user(staff_client, user, other_user):
    live, _ = Token.objects.issue(user)
    expired, _ = Token.objects.issue(user, ttl=timedelta(seconds=-1))
    revoked, _ = Token.objects.issue(user)
    revoked.revoke(Token.RevokeReason.ADMIN)
    theirs, _ = Token.objects.issue(other_user)

    def listed(**params):
        response = staff_client.get("/admin/accounts/token/", params)
        assert response.status_code == 200
        return {token.pk for token in response.context["cl"].result_list}

    assert listed(state="live") == {live.pk, theirs.pk}
    assert listed(state="expired") == {expired.pk}
    assert listed(state="revoked") == {revoked.pk}
    assert listed(user__id__exact=other_user.pk) == {theirs.pk}
    assert listed(user__id__exact=user.pk, state="live") == {live.pk}


def test_revoked_token_stays_visible_with_when_and_why(staff_client, issued_token):
    token, _ = issued_token
    token.revoke(Token.RevokeReason.ADMIN)
    response = staff_client.get(f"/admin/accounts/token/{token.pk}/change/")
    assert response.status_code == 200
    assert b"Revoked by an administrator" in response.content
    assert response.context["adminform"].form.fields == {}  # nothing is editable


def test_saving_a_token_page_changes_nothing(staff_client, issued_token):
    token, raw = issued_token
    token.revoke(Token.RevokeReason.LOGOUT)
    response = staff_client.post(
        f"/admin/accounts/token/{token.pk}/change/",
        {"name": "renamed", "scopes": '["read", "write", "admin"]', "revoked_at": ""},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.name == "test" and token.scopes == ["read", "write"]
    assert token.revoked_reason == "logout"


def _create_token(client, user, **overrides):
    data = {"user": user.pk, "name": "deploy bot", "expires_in_days": "7", "scopes": ["read"]}
    data.update(overrides)
    return client.post("/admin/accounts/token/add/", data)


def test_admin_issues_a_token_shown_once_on_a_page_of_its_own(
    staff_client, user, api_client, caplog
):
    # In the response that creates it, never in a cookie or a redirect.
    caplog.set_level(logging.DEBUG)
    page = staff_client.get("/admin/accounts/token/add/")
    assert page.status_code == 200
    assert b'name="expires_in_days"' in page.content and b'name="digest"' not in page.content

    response = _create_token(staff_client, user)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "Location" not in response
    content = response.content.decode()
    assert len(TOKEN_RE.findall(content)) == 1
    raw = TOKEN_RE.search(content).group()
    assert tokens.is_well_formed(raw)
    assert "it will not be shown again" in content
    token = Token.objects.get(digest=tokens.digest(raw))
    assert f'href="/admin/accounts/token/{token.pk}/change/"' in content  # "Done"
    # The copy button's script is a static file (the CSP allows no inline script).
    assert 'src="/static/accounts/admin/copy_token.js"' in content
    assert finders.find("accounts/admin/copy_token.js")
    assert "<script>" not in content

    assert (token.user, token.name, token.scopes, token.kind) == (
        user,
        "deploy bot",
        ["read"],
        "personal",
    )
    assert token.expires_at - token.created_at == timedelta(days=7)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get(ME).status_code == 200

    # No cookie carries it, not even signed and compressed in a message.
    assert "messages" not in response.cookies
    for morsel in response.cookies.values():
        assert raw not in morsel.value
    # The next pages do not have it.
    for url in (f"/admin/accounts/token/{token.pk}/change/", "/admin/accounts/token/"):
        assert raw.encode() not in staff_client.get(url).content
    # Nowhere in the database: sessions, history and tokens included.
    for session in Session.objects.all():
        assert raw not in str(session.get_decoded())
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                assert not any(raw in str(value) for value in row), table
    entry = LogEntry.objects.get(object_id=str(token.pk))
    assert entry.is_addition() and token.digest not in entry.object_repr
    assert raw not in entry.change_message
    # Nor in any log line.
    assert caplog.records and not any(raw in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"expires_in_days": "366"}, "expires_in_days", "at most 365 days"),
        ({"expires_in_days": "0"}, "expires_in_days", "greater than or equal to 1"),
        ({"expires_in_days": ""}, "expires_in_days", "must expire within 365 days"),
        ({"scopes": []}, "scopes", "This field is required."),
        ({"scopes": ["admin"]}, "scopes", "Select a valid choice."),
    ],
)
def test_admin_token_form_rejects_bad_input(staff_client, user, overrides, field, message):
    response = _create_token(staff_client, user, **overrides)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert any(message in error for error in errors[field])
    assert not Token.objects.exists()


def test_admin_token_form_refuses_inactive_user(staff_client, user):
    user.is_active = False
    user.save()
    response = _create_token(staff_client, user)
    assert response.status_code == 200
    assert "inactive" in response.context["adminform"].form.errors["user"][0]
    assert not Token.objects.exists()


def test_admin_token_max_lifetime_is_read_when_used(staff_client, user, settings):
    settings.ACCOUNTS_TOKEN_MAX_TTL = timedelta(days=3)
    response = _create_token(staff_client, user, expires_in_days="4")
    assert "at most 3 days" in response.context["adminform"].form.errors["expires_in_days"][0]
    settings.ACCOUNTS_TOKEN_MAX_TTL = None
    response = _create_token(staff_client, user, expires_in_days="")
    assert response.status_code == 200 and "adminform" not in response.context
    assert Token.objects.get().expires_at is None


def test_admin_token_form_respects_the_token_cap(staff_client, user, settings):
    settings.ACCOUNTS_MAX_TOKENS_PER_USER = 2
    Token.objects.issue(user)
    Token.objects.issue(user)
    response = _create_token(staff_client, user)
    assert response.status_code == 200
    assert "already holds 2 live tokens" in str(response.context["adminform"].form.errors)
    assert Token.objects.count() == 2


def test_only_a_superuser_issues_tokens_for_staff(client, user, admin_user):
    from django.contrib.auth.models import Permission

    clerk = User.objects.create_user("clerk@example.com", "a clerk passphrase", is_staff=True)
    clerk.user_permissions.set(Permission.objects.filter(codename__endswith="_token"))
    client.force_login(clerk)
    response = _create_token(client, admin_user)
    assert response.status_code == 200
    assert "Select a valid choice" in response.context["adminform"].form.errors["user"][0]
    assert "adminform" not in _create_token(client, user).context
    assert list(Token.objects.values_list("user__email", flat=True)) == [user.email]


def test_tokens_cannot_be_deleted_or_filtered_by_digest(admin_client, db):
    from accounts.models import Token, User

    owner = User.objects.create_user("keep@example.com", "plum-tree orbit harbour lantern")
    token, _ = Token.objects.issue(owner)
    assert admin_client.get(f"/admin/accounts/token/{token.pk}/delete/").status_code == 403
    probe = admin_client.get("/admin/accounts/token/", {"digest__startswith": token.digest[:1]})
    assert probe.status_code in (302, 400)  # the admin refuses the lookup
    assert Token.objects.filter(pk=token.pk).exists()


def test_revoke_action_records_the_operator_in_history(admin_client, admin_user, db):
    from django.contrib.admin.models import LogEntry

    from accounts.models import Token, User

    owner = User.objects.create_user("hist@example.com", "plum-tree orbit harbour lantern")
    token, _ = Token.objects.issue(owner)
    admin_client.post(
        "/admin/accounts/token/", {"action": "revoke_tokens", "_selected_action": [token.pk]}
    )
    entry = LogEntry.objects.get(object_id=str(token.pk))
    assert entry.user == admin_user and entry.get_change_message() == "Revoked."
