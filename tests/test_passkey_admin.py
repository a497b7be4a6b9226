"""Operators and passkeys: the admin lists them, removes one, and the MFA reset removes all."""

import json
import logging

import pytest

from accounts.mfa import service
from accounts.mfa.models import Passkey
from accounts.models import User
from tests.test_admin_tokens import _form_data


@pytest.fixture
def admin_user(db) -> User:
    return User.objects.create_superuser("admin@example.com", "an admin passphrase")


@pytest.fixture
def passkey(user) -> Passkey:
    return Passkey.objects.create(
        user=user,
        name="Work laptop",
        credential_id="Y3JlZGVudGlhbA",
        public_key=b"cose",
        user_handle="aGFuZGxl",
        sign_count=42,
        passwordless=True,
    )


def _events(caplog, name):
    return [
        json.loads(r.getMessage()) for r in caplog.records if f'"event": "{name}"' in r.getMessage()
    ]


def test_the_user_page_lists_passkeys_without_secrets(staff_client, user, passkey):
    page = staff_client.get(f"/admin/accounts/user/{user.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Work laptop" in html
    assert ">42<" in html  # the signature counter
    assert "Passkeys" in html
    assert passkey.user_handle not in html


def test_the_user_list_counts_a_passkey_as_mfa_on(staff_client, user, passkey):
    response = staff_client.get("/admin/accounts/user/")
    rows = {row.email: row.mfa_on for row in response.context["cl"].result_list}
    assert rows["alice@example.com"] is True
    assert rows["admin@example.com"] is False


def test_a_superuser_removes_a_passkey_and_the_owner_is_told(
    staff_client, admin_user, user, passkey, mailoutbox, caplog
):
    page = staff_client.get(f"/admin/accounts/user/{user.pk}/change/")
    data = _form_data(page)
    prefix = next(
        inline.formset.prefix
        for inline in page.context["inline_admin_formsets"]
        if inline.formset.model is Passkey
    )
    data[f"{prefix}-0-DELETE"] = "on"
    with caplog.at_level(logging.INFO, logger="accounts.security"):
        response = staff_client.post(f"/admin/accounts/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.context and response.context.get("errors")
    assert not Passkey.objects.exists()
    (event,) = _events(caplog, "passkey.removed")
    assert event["operator_id"] == admin_user.pk and event["user_id"] == user.pk
    assert "A passkey was removed" in [m.subject for m in mailoutbox]
    assert mailoutbox[0].to == [user.email]


def test_staff_who_are_not_superusers_cannot_remove_passkeys(client, user, passkey):
    staff = User.objects.create_user("staff@example.com", "a staff passphrase 1")
    User.objects.filter(pk=staff.pk).update(is_staff=True)
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user"])
    )
    client.force_login(staff)
    page = client.get(f"/admin/accounts/user/{user.pk}/change/")
    assert page.status_code == 200
    inline = next(i for i in page.context["inline_admin_formsets"] if i.formset.model is Passkey)
    assert inline.formset.can_delete is False
    assert b"Work laptop" in page.content


def test_the_mfa_reset_removes_the_passkeys(staff_client, user, passkey):
    response = staff_client.post(
        "/admin/accounts/user/",
        {"action": "reset_mfa", "_selected_action": [user.pk]},
        follow=True,
    )
    assert b"Reset multi-factor authentication for 1 user." in response.content
    assert not Passkey.objects.exists()
    assert not service.is_enabled(user)
