"""A new password, however it is set, revokes the user's tokens.

One place (User.save after set_password or set_unusable_password) does it, so every
path is covered: the admin's forms, its own password change, `changepassword`, code.
The rehash Django does at login when the hasher's parameters change is not a new
password and revokes nothing.
"""

import pytest
from django.core.management import call_command

from accounts.models import Token, User
from accounts.passwords.hashers import Argon2idPasswordHasher

NEW = "a brand new passphrase 77"


def _reasons(user) -> set[str]:
    return set(Token.objects.filter(user=user).values_list("revoked_reason", flat=True))


@pytest.fixture
def tokens(user) -> list[Token]:
    return [Token.objects.issue(user)[0], Token.objects.issue(user, kind="personal")[0]]


def test_set_password_and_save_revokes_every_token(user, tokens):
    user.set_password(NEW)
    user.save()
    assert not Token.objects.filter(user=user).live().exists()
    assert _reasons(user) == {"password_change"}


def test_set_unusable_password_and_save_revokes_every_token(user, tokens):
    user.set_unusable_password()
    user.save(update_fields=["password"])
    assert _reasons(user) == {"password_change"}


def test_saving_other_fields_revokes_nothing(user, tokens):
    user.first_name = "Alice"
    user.save()
    user.set_password(NEW)
    user.save(update_fields=["first_name"])  # the password is not written
    assert Token.objects.filter(user=user).live().count() == 2


def test_admin_change_password_form_revokes_every_token(staff_client, user, tokens):
    response = staff_client.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"usable_password": "true", "password1": NEW, "password2": NEW},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert _reasons(user) == {"password_change"}


def test_admin_disabling_password_login_revokes_every_token(staff_client, user, tokens):
    response = staff_client.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"usable_password": "false", "unset-password": "1"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert _reasons(user) == {"password_change"}


def test_admin_own_password_change_revokes_the_operators_tokens(client, db):
    operator = User.objects.create_superuser("root@example.com", "an admin passphrase 1")
    Token.objects.issue(operator)
    client.force_login(operator)
    response = client.post(
        "/admin/password_change/",
        {"old_password": "an admin passphrase 1", "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302
    assert _reasons(operator) == {"password_change"}


def test_changepassword_command_revokes_every_token(user, tokens, monkeypatch):
    monkeypatch.setattr(
        "django.contrib.auth.management.commands.changepassword.getpass.getpass",
        lambda *args, **kwargs: NEW,
    )
    call_command("changepassword", user.email, stdout=None)
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert _reasons(user) == {"password_change"}


def test_a_new_user_is_saved_with_one_insert_and_no_revocation(db, django_assert_num_queries):
    with django_assert_num_queries(1):
        User.objects.create_user("new@example.com", NEW)


def test_rehash_at_login_revokes_nothing(api_client, user, password, tokens, monkeypatch):
    # New argon2 parameters: the next successful login rehashes the stored password.
    old_hash = user.password
    monkeypatch.setattr(Argon2idPasswordHasher, "time_cost", Argon2idPasswordHasher.time_cost + 1)
    response = api_client.post(
        "/api/auth/login/", {"email": user.email, "password": password}, format="json"
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.password != old_hash and user.check_password(password)
    assert Token.objects.filter(user=user).live().count() == 3
    assert _reasons(user) == {""}


def test_api_password_change_keeps_the_current_token(auth_client, issued_token, user, password):
    other, _ = Token.objects.issue(user)
    response = auth_client.post(
        "/api/auth/password/change/",
        {"current_password": password, "new_password": NEW},
        format="json",
    )
    assert response.status_code == 204
    current, _ = issued_token
    current.refresh_from_db()
    other.refresh_from_db()
    assert current.revoked_at is None
    assert other.revoked_reason == "password_change"
