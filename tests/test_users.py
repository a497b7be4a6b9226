import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from accounts.models import User


def test_password_is_stored_as_argon2id_with_our_parameters(user):
    assert user.password.startswith("argon2$argon2id$v=19$m=65536,t=3,p=2$")


def test_email_is_normalised_on_create(db):
    user = User.objects.create_user("  Carol@EXAMPLE.com ", "x" * 20)
    assert user.email == "carol@example.com"


def test_database_refuses_emails_differing_only_in_case(user):
    with pytest.raises(IntegrityError), transaction.atomic():
        # Bypass the manager's normalisation: the database itself must refuse it.
        User.objects.bulk_create([User(email=user.email.upper(), password="!")])


def test_user_requires_an_email(db):
    with pytest.raises(ValueError, match="An email address is required."):
        User.objects.create_user("", "x")


def test_createsuperuser_noinput_from_environment(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Root@Example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long admin passphrase")
    call_command("createsuperuser", "--noinput", verbosity=0)
    admin = User.objects.get(email="root@example.com")
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password("a long admin passphrase")


def test_user_has_no_username_field():
    assert User.USERNAME_FIELD == "email"
    assert "username" not in {field.name for field in User._meta.get_fields()}


def test_createsuperuser_noinput_applies_the_password_policy(db, monkeypatch):
    from django.core.management.base import CommandError

    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "root@example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "short")
    with pytest.raises(CommandError, match="DJANGO_SUPERUSER_PASSWORD: This password is too short"):
        call_command("createsuperuser", "--noinput", verbosity=0)
    assert not User.objects.exists()
