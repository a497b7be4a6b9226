"""Account lifecycle events: every path announces them, and features react.

A new password (API, reset, admin, `changepassword`), logout-all, deactivation and an MFA
reset end every pending login of the account; a new email is told to the old address and
the new one; a password set in the admin or by `changepassword` is emailed like the API's.
"""

import pytest
from django.core.management import call_command

from accounts.mfa.models import Challenge
from accounts.models import Token, User

LOGIN = "/api/auth/login/"
STEP = "/api/auth/login/mfa/"
DEAD = {"mfa_token": ["This sign-in is invalid, expired or already used. Log in again."]}
NEW = "a brand new passphrase 77"


def _pending(client, user, password) -> str:
    response = client.post(LOGIN, {"email": user.email, "password": password}, format="json")
    assert response.status_code == 200 and response.json()["mfa_required"] is True
    return response.json()["mfa_token"]


def _bearer(client, user):
    _token, raw = Token.objects.issue(user, name="t")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def _subjects(mailoutbox, address) -> list[str]:
    return [message.subject for message in mailoutbox if address in message.to]


def test_a_password_change_ends_pending_logins(api_client, mfa, password):
    mfa_token = _pending(api_client, mfa.user, password)
    owner = _bearer(type(api_client)(), mfa.user)
    response = owner.post(
        "/api/auth/password/change/",
        {"current_password": password, "new_password": NEW, "code": mfa.code()},
        format="json",
    )
    assert response.status_code == 204
    assert not Challenge.objects.filter(user=mfa.user).exists()
    late = api_client.post(STEP, {"mfa_token": mfa_token, "code": mfa.code(1)}, format="json")
    assert late.status_code == 400 and late.json() == DEAD


def test_logout_all_ends_pending_logins(api_client, mfa, password):
    mfa_token = _pending(api_client, mfa.user, password)
    owner = _bearer(type(api_client)(), mfa.user)
    assert owner.post("/api/auth/logout-all/", {}, format="json").status_code == 204
    late = api_client.post(STEP, {"mfa_token": mfa_token, "code": mfa.code()}, format="json")
    assert late.status_code == 400 and late.json() == DEAD
    assert not Token.objects.filter(user=mfa.user).live().exists()


@pytest.mark.parametrize("how", ["admin", "shell"])
def test_a_new_password_elsewhere_ends_pending_logins(
    api_client, staff_client, mfa, password, how, monkeypatch
):
    mfa_token = _pending(api_client, mfa.user, password)
    if how == "admin":
        response = staff_client.post(
            f"/admin/accounts/user/{mfa.user.pk}/password/",
            {"usable_password": "true", "password1": NEW, "password2": NEW},
        )
        assert response.status_code == 302
    else:
        monkeypatch.setattr(
            "django.contrib.auth.management.commands.changepassword.getpass.getpass",
            lambda *args, **kwargs: NEW,
        )
        call_command("changepassword", mfa.user.email, stdout=None)
    late = api_client.post(STEP, {"mfa_token": mfa_token, "code": mfa.code()}, format="json")
    assert late.json() == DEAD


def test_deactivation_ends_pending_logins(api_client, mfa, password):
    _pending(api_client, mfa.user, password)
    user = User.objects.get(pk=mfa.user.pk)
    user.is_active = False
    user.save()
    assert not Challenge.objects.filter(user=mfa.user).exists()


def test_an_mfa_reset_ends_pending_logins(api_client, staff_client, mfa, password):
    mfa_token = _pending(api_client, mfa.user, password)
    response = staff_client.post(
        "/admin/accounts/user/",
        {"action": "reset_mfa", "_selected_action": [mfa.user.pk]},
    )
    assert response.status_code == 302
    late = api_client.post(STEP, {"mfa_token": mfa_token, "code": mfa.code()}, format="json")
    assert late.json() == DEAD


def test_a_password_change_ends_the_browser_second_step(client, api_client, mfa, password):
    User.objects.filter(pk=mfa.user.pk).update(is_staff=True, is_superuser=True)
    first = client.post(
        "/admin/login/?next=/admin/", {"username": mfa.user.email, "password": password}
    )
    assert first.status_code == 302 and first["Location"] == "/admin/login/mfa/"
    user = User.objects.get(pk=mfa.user.pk)
    user.set_password(NEW)
    user.save()
    late = client.post("/admin/login/mfa/", {"code": mfa.code()})
    assert late.status_code == 302 and late["Location"] == "/admin/login/"
    assert "_auth_user_id" not in client.session


def test_admin_email_change_tells_the_old_and_the_new_address(staff_client, user, mailoutbox):
    page = f"/admin/accounts/user/{user.pk}/change/"
    data = {
        "email": "alice.new@example.com",
        "first_name": "",
        "last_name": "",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "tokens-TOTAL_FORMS": "0",
        "tokens-INITIAL_FORMS": "0",
    }
    response = staff_client.post(page, data)
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).email == "alice.new@example.com"
    (old,) = [m for m in mailoutbox if m.to == ["alice@example.com"]]
    assert "alice.new@example.com" in old.body and "administrator" in old.body
    assert _subjects(mailoutbox, "alice.new@example.com") == [
        "This is now your account's email address"
    ]


def test_shell_email_change_tells_the_old_address(user, mailoutbox):
    user.change_email("Alice.Other@Example.com")
    assert User.objects.get(pk=user.pk).email == "alice.other@example.com"
    assert _subjects(mailoutbox, "alice@example.com") == [
        "The email address of your account was changed"
    ]
    assert len(_subjects(mailoutbox, "alice.other@example.com")) == 1
    # Plain attribute and save() is announced too.
    mailoutbox.clear()
    user = User.objects.get(pk=user.pk)
    user.email = "alice.third@example.com"
    user.save()
    assert _subjects(mailoutbox, "alice.other@example.com") == [
        "The email address of your account was changed"
    ]


def test_a_save_that_keeps_the_email_tells_nobody(user, mailoutbox):
    user = User.objects.get(pk=user.pk)
    user.first_name = "Alice"
    user.save()
    assert mailoutbox == []
    # A copy refreshed after someone else's change does not announce that change again.
    User.objects.get(pk=user.pk).change_email("alice.b@example.com")
    mailoutbox.clear()
    user.refresh_from_db()
    user.last_name = "Liddell"
    user.save()
    # Nor does a save of other fields with an unsaved email in memory.
    user.email = "not.saved@example.com"
    user.save(update_fields=["last_name"])
    user.last_name = "L."
    user.save(update_fields=["last_name"])
    assert mailoutbox == []


def test_admin_password_set_sends_the_password_changed_email(staff_client, user, mailoutbox):
    response = staff_client.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"usable_password": "true", "password1": NEW, "password2": NEW},
    )
    assert response.status_code == 302
    assert _subjects(mailoutbox, user.email) == ["Your password was changed"]
    assert NEW not in mailoutbox[0].body


def test_changepassword_sends_the_password_changed_email(user, mailoutbox, monkeypatch):
    monkeypatch.setattr(
        "django.contrib.auth.management.commands.changepassword.getpass.getpass",
        lambda *args, **kwargs: NEW,
    )
    call_command("changepassword", user.email, stdout=None)
    assert _subjects(mailoutbox, user.email) == ["Your password was changed"]


def test_the_api_password_change_sends_one_email(auth_client, user, password, mailoutbox):
    response = auth_client.post(
        "/api/auth/password/change/",
        {"current_password": password, "new_password": NEW},
        format="json",
    )
    assert response.status_code == 204
    assert _subjects(mailoutbox, user.email) == ["Your password was changed"]
