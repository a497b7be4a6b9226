from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Token

ME = "/api/auth/me/"


def _status(api_client, raw):
    return api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code


def test_absolute_lifetime_boundary(api_client, user, settings):
    settings.ACCOUNTS_TOKEN_IDLE_TIMEOUT = None
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        token, raw = Token.objects.issue(user)
    assert token.expires_at == start + timedelta(days=30)
    with time_machine.travel(start + timedelta(days=30, seconds=-1), tick=False):
        assert _status(api_client, raw) == 200
    with time_machine.travel(start + timedelta(days=30), tick=False):
        assert _status(api_client, raw) == 401


def test_idle_timeout_boundary_from_creation(api_client, user):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _, used = Token.objects.issue(user)
        _, unused = Token.objects.issue(user)
    # Seven days of silence: the first use one second before the limit still works ...
    with time_machine.travel(start + timedelta(days=7, seconds=-1), tick=False):
        assert _status(api_client, used) == 200
    # ... and at the limit a never-used token is dead, though its 30 days are not over.
    with time_machine.travel(start + timedelta(days=7), tick=False):
        assert _status(api_client, unused) == 401
        assert _status(api_client, used) == 200


def test_idle_timeout_counts_from_last_use(api_client, issued_token):
    token, raw = issued_token
    last_use = timezone.now() + timedelta(days=3)
    with time_machine.travel(last_use, tick=False):
        assert _status(api_client, raw) == 200
    token.refresh_from_db()
    assert token.last_used_at == last_use
    with time_machine.travel(last_use + timedelta(days=7, seconds=-1), tick=False):
        assert Token.objects.filter(pk=token.pk).live().exists()
    with time_machine.travel(last_use + timedelta(days=7), tick=False):
        assert not Token.objects.filter(pk=token.pk).live().exists()
        assert Token.objects.filter(pk=token.pk).expired().exists()
        assert _status(api_client, raw) == 401


def test_idle_timeout_is_read_when_used_and_can_be_disabled(api_client, issued_token, settings):
    token, raw = issued_token
    later = token.created_at + timedelta(days=20)
    with time_machine.travel(later, tick=False):
        assert _status(api_client, raw) == 401
        settings.ACCOUNTS_TOKEN_IDLE_TIMEOUT = None
        assert _status(api_client, raw) == 200
        settings.ACCOUNTS_TOKEN_IDLE_TIMEOUT = timedelta(days=1)
    with time_machine.travel(later + timedelta(days=1), tick=False):
        assert _status(api_client, raw) == 401


def test_absolute_lifetime_can_be_disabled(api_client, user, settings):
    settings.ACCOUNTS_TOKEN_TTL = None
    settings.ACCOUNTS_TOKEN_IDLE_TIMEOUT = None
    token, raw = Token.objects.issue(user)
    assert token.expires_at is None
    with time_machine.travel(timezone.now() + timedelta(days=3650), tick=False):
        assert _status(api_client, raw) == 200


def test_personal_tokens_have_no_idle_timeout(api_client, user):
    token, raw = Token.objects.issue(user, kind=Token.Kind.PERSONAL, ttl=timedelta(days=90))
    with time_machine.travel(token.created_at + timedelta(days=60), tick=False):
        assert _status(api_client, raw) == 200
    with time_machine.travel(token.expires_at, tick=False):
        assert _status(api_client, raw) == 401


@pytest.mark.parametrize("path", ["login", "tokens"])
def test_login_response_and_token_list_report_expires_at(api_client, user, password, path):
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        response = api_client.post(
            "/api/auth/login/", {"email": user.email, "password": password}, format="json"
        )
        expected = (start + timedelta(days=30)).isoformat().replace("+00:00", "Z")
        if path == "login":
            assert response.json()["expires_at"] == expected
        else:
            api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")
            assert api_client.get("/api/auth/tokens/").json()[0]["expires_at"] == expected


def test_personal_token_idle_timeout_only_when_asked(api_client, user):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sleepy, sleepy_raw = Token.objects.issue(
            user, kind=Token.Kind.PERSONAL, ttl=None, idle_timeout=timedelta(days=2)
        )
        _, awake_raw = Token.objects.issue(user, kind=Token.Kind.PERSONAL, ttl=None)
    with time_machine.travel(start + timedelta(days=2, seconds=-1), tick=False):
        assert Token.objects.filter(pk=sleepy.pk).live().exists()
    with time_machine.travel(start + timedelta(days=2), tick=False):
        assert not Token.objects.filter(pk=sleepy.pk).live().exists()
        assert list(Token.objects.expired()) == [sleepy]
        assert _status(api_client, sleepy_raw) == 401
        assert _status(api_client, awake_raw) == 200
    # Purged once it has been idle-expired for longer than the audit window.
    with time_machine.travel(start + timedelta(days=2, seconds=1), tick=False):
        assert Token.objects.purge(timedelta(0)) == 1
    assert not Token.objects.filter(pk=sleepy.pk).exists()


def test_token_api_accepts_an_idle_timeout(auth_client, issued_token):
    response = auth_client.post(
        "/api/auth/tokens/", {"name": "cron", "idle_timeout_days": 3}, format="json"
    )
    assert response.status_code == 201
    token = Token.objects.get(pk=response.json()["id"])
    assert token.idle_timeout == timedelta(days=3)
    with time_machine.travel(token.created_at + timedelta(days=3), tick=False):
        assert _status(APIClient(), response.json()["token"]) == 401
    bad = auth_client.post("/api/auth/tokens/", {"name": "x", "idle_timeout_days": 0})
    assert bad.status_code == 400
    assert list(bad.json()) == ["idle_timeout_days"]
