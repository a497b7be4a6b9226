from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Token

TOKENS = "/api/auth/tokens/"


def _run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_personal_token_created_email(auth_client, user):
    mail.outbox.clear()
    response = auth_client.post(
        TOKENS,
        {"name": "deploy", "scopes": ["read"], "expires_in_days": 30},
        format="json",
        REMOTE_ADDR="192.0.2.10",
    )
    assert response.status_code == 201
    raw = response.json()["token"]
    (email,) = mail.outbox
    assert email.to == [user.email]
    assert raw[:12] in email.subject and "deploy" in email.body
    assert "Scopes: read" in email.body and "192.0.2.10" in email.body
    assert raw not in email.body and raw not in email.subject


@pytest.mark.django_db
def test_login_tokens_send_no_creation_email(api_client, user, password):
    mail.outbox.clear()
    response = api_client.post(
        "/api/auth/login/", {"email": user.email, "password": password}, format="json"
    )
    assert response.status_code == 200
    assert mail.outbox == []


@pytest.mark.django_db
def test_password_change_email(auth_client, user, password):
    mail.outbox.clear()
    response = auth_client.post(
        "/api/auth/password/change/",
        {"current_password": password, "new_password": "a different long passphrase 7"},
        format="json",
    )
    assert response.status_code == 204
    (email,) = mail.outbox
    assert email.to == [user.email] and "changed" in email.body
    assert "a different long passphrase 7" not in email.body


@pytest.mark.django_db
def test_security_emails_can_be_switched_off(auth_client, settings):
    settings.ACCOUNTS_SECURITY_EMAILS = False
    mail.outbox.clear()
    response = auth_client.post(TOKENS, {"name": "deploy"}, format="json")
    assert response.status_code == 201
    assert mail.outbox == []


@pytest.mark.django_db
def test_notifyexpiringtokens_warns_once_per_token(user, other_user):
    now = timezone.now()
    soon, _ = Token.objects.issue(
        user, name="soon", kind=Token.Kind.PERSONAL, ttl=timedelta(days=3)
    )
    Token.objects.issue(user, name="later", kind=Token.Kind.PERSONAL, ttl=timedelta(days=30))
    Token.objects.issue(user, name="login", ttl=timedelta(days=2))
    gone, _ = Token.objects.issue(
        other_user, name="gone", kind=Token.Kind.PERSONAL, ttl=timedelta(days=1)
    )
    gone.revoke(Token.RevokeReason.USER_REQUEST)
    mail.outbox.clear()

    assert "Warned about 1 expiring token." in _run("notifyexpiringtokens")
    (email,) = mail.outbox
    assert email.to == [user.email]
    assert soon.prefix in email.subject and "soon" in email.body
    soon.refresh_from_db()
    assert soon.expiry_warning_sent_at >= now

    # Run again (cron): nothing new to say.
    assert "Warned about 0 expiring tokens." in _run("notifyexpiringtokens")
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_notifyexpiringtokens_window_follows_the_setting(user, settings):
    settings.ACCOUNTS_TOKEN_EXPIRY_WARNING_DAYS = 40
    Token.objects.issue(user, name="later", kind=Token.Kind.PERSONAL, ttl=timedelta(days=30))
    mail.outbox.clear()
    _run("notifyexpiringtokens")
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_password_reset_email(api_client, user):
    from tests.test_passwords import _code_from

    api_client.post("/api/auth/password/reset/", {"email": user.email}, format="json")
    uid, code = _code_from(mail.outbox[-1])
    mail.outbox.clear()
    response = api_client.post(
        "/api/auth/password/reset/confirm/",
        {"uid": uid, "token": code, "new_password": "a different long passphrase 7"},
        format="json",
        REMOTE_ADDR="192.0.2.55",
    )
    assert response.status_code == 204
    (email,) = mail.outbox
    assert email.to == [user.email]
    assert "reset" in email.body and "192.0.2.55" in email.body
    assert code not in email.body
