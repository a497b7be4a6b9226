"""MFA in the browser: the admin's user list and reset action, the second login page."""

import json
import logging
import time

import time_machine

from accounts.mfa.models import Authenticator, RecoveryCode
from accounts.models import User
from accounts.ratelimit import lockout

LOGIN = "/admin/login/"
SECOND = "/admin/login/mfa/"
API_LOGIN = "/api-auth/login/"
API_SECOND = "/api-auth/login/mfa/"


def _staff(user):
    User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    user.refresh_from_db()
    return user


def _password(client, user, password, url=LOGIN, next_url="/admin/"):
    return client.post(f"{url}?next={next_url}", {"username": user.email, "password": password})


def test_staff_with_mfa_get_a_second_page_after_the_password(client, mfa, password):
    _staff(mfa.user)
    response = _password(client, mfa.user, password)
    assert response.status_code == 302 and response["Location"] == SECOND
    # Not logged in yet.
    assert client.get("/admin/").status_code == 302
    page = client.get(SECOND)
    assert page.status_code == 200 and b'name="code"' in page.content
    wrong = client.post(SECOND, {"code": "000000"})
    assert wrong.status_code == 200 and b"Invalid code." in wrong.content
    right = client.post(SECOND, {"code": mfa.code()})
    assert right.status_code == 302 and right["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_second_page_accepts_a_recovery_code_once(client, mfa, password):
    _staff(mfa.user)
    _password(client, mfa.user, password)
    assert client.post(SECOND, {"code": mfa.recovery_codes[0].upper()}).status_code == 302
    assert RecoveryCode.objects.unused().count() == 9


def test_the_second_page_refuses_a_replayed_code(client, mfa, password):
    _staff(mfa.user)
    with time_machine.travel(time.time(), tick=False):
        code = mfa.code()
        _password(client, mfa.user, password)
        assert client.post(SECOND, {"code": code}).status_code == 302
        client.logout()
        _password(client, mfa.user, password)
        assert b"Invalid code." in client.post(SECOND, {"code": code}).content


def test_five_wrong_codes_start_the_login_over(client, mfa, password, caplog):
    _staff(mfa.user)
    _password(client, mfa.user, password)
    with caplog.at_level(logging.INFO, logger="accounts.security"):
        for _ in range(4):
            assert client.post(SECOND, {"code": "000000"}).status_code == 200
        assert client.post(SECOND, {"code": "000000"})["Location"] == LOGIN
    failures = [r for r in caplog.records if '"mfa.failure"' in r.getMessage()]
    assert len(failures) == 5
    assert client.post(SECOND, {"code": mfa.code()})["Location"] == LOGIN
    assert client.get("/admin/").status_code == 302


def test_the_second_page_expires(client, mfa, password, settings):
    _staff(mfa.user)
    settings.ACCOUNTS_MFA_CHALLENGE_TTL = 60
    with time_machine.travel(time.time(), tick=False) as traveller:
        _password(client, mfa.user, password)
        traveller.shift(61)
        assert client.post(SECOND, {"code": mfa.code()})["Location"] == LOGIN


def test_the_second_page_without_a_password_step_sends_to_login(client, db):
    assert client.get(SECOND)["Location"] == LOGIN


def test_a_locked_account_fails_the_second_page_like_a_wrong_code(client, mfa, password):
    _staff(mfa.user)
    _password(client, mfa.user, password)
    for _ in range(10):
        lockout.record_failure(mfa.user.email)
    assert b"Invalid code." in client.post(SECOND, {"code": mfa.code()}).content


def test_an_open_redirect_is_not_kept(client, mfa, password, settings):
    _staff(mfa.user)
    _password(client, mfa.user, password, next_url="https://evil.example/")
    location = client.post(SECOND, {"code": mfa.code()})["Location"]
    assert location == settings.LOGIN_REDIRECT_URL and "evil" not in location


def test_staff_without_mfa_log_in_as_before(client, user, password):
    _staff(user)
    assert _password(client, user, password)["Location"] == "/admin/"


def test_mfa_required_for_staff_refuses_and_explains(client, user, password, settings):
    _staff(user)
    settings.ACCOUNTS_MFA_REQUIRED_FOR_STAFF = True
    response = _password(client, user, password)
    assert response.status_code == 200
    assert b"/api/auth/mfa/totp/" in response.content
    assert client.get("/admin/").status_code == 302
    # An existing session loses the admin too.
    client.force_login(user)
    assert client.get("/admin/").status_code == 302


def test_mfa_required_for_staff_lets_staff_with_mfa_in(client, mfa, password, settings):
    _staff(mfa.user)
    settings.ACCOUNTS_MFA_REQUIRED_FOR_STAFF = True
    _password(client, mfa.user, password)
    client.post(SECOND, {"code": mfa.code()})
    assert client.get("/admin/").status_code == 200


def test_browsable_api_session_login_has_the_second_page(client, mfa, password):
    response = _password(client, mfa.user, password, url=API_LOGIN, next_url="/api/auth/me/")
    assert response["Location"] == API_SECOND
    assert client.get("/api/auth/me/", HTTP_ACCEPT="application/json").status_code in (401, 403)
    assert b'name="code"' in client.get(API_SECOND).content
    done = client.post(API_SECOND, {"code": mfa.code()})
    assert done["Location"] == "/api/auth/me/"
    assert client.get("/api/auth/me/", HTTP_ACCEPT="application/json").status_code == 200


def test_user_list_shows_mfa_on_or_off(staff_client, mfa, other_user):
    response = staff_client.get("/admin/accounts/user/")
    assert response.status_code == 200
    assert b"column-mfa_enabled" in response.content
    assert mfa.secret.encode() not in response.content
    change = staff_client.get(f"/admin/accounts/user/{mfa.user.pk}/change/")
    stored = Authenticator.objects.get(user=mfa.user).encrypted_secret
    assert stored.encode() not in change.content and mfa.secret.encode() not in change.content


def test_superusers_reset_mfa_logged_and_emailed(staff_client, mfa, admin_user, caplog, mailoutbox):
    with caplog.at_level(logging.INFO, logger="accounts.security"):
        response = staff_client.post(
            "/admin/accounts/user/",
            {"action": "reset_mfa", "_selected_action": [mfa.user.pk]},
            follow=True,
        )
    assert b"Reset multi-factor authentication for 1 user." in response.content
    assert not Authenticator.objects.filter(user=mfa.user).exists()
    assert not RecoveryCode.objects.filter(user=mfa.user).exists()
    (event,) = [
        json.loads(r.getMessage()) for r in caplog.records if '"mfa.reset"' in r.getMessage()
    ]
    assert event["user_id"] == mfa.user.pk and event["operator_id"] == admin_user.pk
    assert [m.to for m in mailoutbox] == [[mfa.user.email]]


def test_staff_who_are_not_superusers_cannot_reset_mfa(client, mfa, other_user):
    from django.contrib.auth.models import Permission

    User.objects.filter(pk=other_user.pk).update(is_staff=True)
    other_user.user_permissions.add(*Permission.objects.filter(codename__endswith="_user"))
    client.force_login(other_user)
    page = client.get("/admin/accounts/user/")
    assert page.status_code == 200 and b"reset_mfa" not in page.content
    client.post("/admin/accounts/user/", {"action": "reset_mfa", "_selected_action": [mfa.user.pk]})
    assert Authenticator.objects.filter(user=mfa.user).exists()
