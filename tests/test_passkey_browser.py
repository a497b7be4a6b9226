"""Passkeys on the browser pages, with the software authenticator (Chromium: tests/live/)."""

import json

import pytest

from accounts.mfa.models import Passkey
from accounts.models import User
from tests.softauthn import SoftAuthenticator
from tests.test_passkeys import register

BEGIN = "/api/auth/login/passkey/begin/"
SESSION = "/api/auth/login/passkey/session/"
PAGE = "/api/auth/passkeys/manage/"


@pytest.fixture
def authenticator(user, password, api_client) -> SoftAuthenticator:
    authenticator = SoftAuthenticator()
    api_client.force_authenticate(user)
    assert register(api_client, password, authenticator).status_code == 201
    return authenticator


def _session_post(client, authenticator, **fields):
    started = client.post(BEGIN, content_type="application/json").json()
    credential = authenticator.assert_(started["options"])
    data = {"ceremony": started["ceremony"], "credential": json.dumps(credential), **fields}
    return client.post(SESSION, data)


@pytest.mark.parametrize("url", ["/admin/login/", "/api-auth/login/"])
def test_login_pages_offer_a_passkey_from_static_files(client, db, url):
    html = client.get(url).content.decode()
    assert "Sign in with a passkey" in html
    assert '<script src="/static/mfa/passkeys.js"></script>' in html
    # The password form is still there, and no inline script was added.
    assert 'name="password"' in html
    assert "<script>" not in html


def test_login_pages_say_nothing_of_passkeys_when_off(client, db, settings):
    settings.ACCOUNTS_WEBAUTHN_ENABLED = False
    assert b"Sign in with a passkey" not in client.get("/admin/login/").content


def test_a_passkey_opens_an_admin_session(client, user, authenticator):
    User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    response = _session_post(client, authenticator, site="admin", next="/admin/")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_passkey_opens_a_browsable_api_session(client, user, authenticator):
    response = _session_post(client, authenticator, site="api", next="/api/auth/me/")
    assert response["Location"] == "/api/auth/me/"
    assert client.get("/api/auth/me/", HTTP_ACCEPT="application/json").json()["email"] == user.email


def test_a_failed_passkey_goes_back_to_the_login_page(client, user, authenticator):
    started = client.post(BEGIN, content_type="application/json").json()
    bad = authenticator.assert_(started["options"], origin="https://evil.example")
    response = client.post(
        SESSION,
        {"ceremony": started["ceremony"], "credential": json.dumps(bad), "site": "admin"},
    )
    assert response["Location"] == "/admin/login/?next=%2Fadmin%2F&passkey=failed"
    page = client.get(response["Location"]).content.decode()
    assert "The passkey did not sign you in." in page
    assert client.get("/admin/").status_code == 302


def test_the_admin_refuses_a_non_staff_passkey(client, user, authenticator):
    response = _session_post(client, authenticator, site="admin", next="/admin/")
    assert "passkey=failed" in response["Location"]


def test_an_offsite_next_is_ignored(client, user, authenticator):
    response = _session_post(client, authenticator, site="api", next="https://evil.example/")
    assert response["Location"] == "/api/"


@pytest.mark.parametrize("credential", ["", "not json", "[]", '{"id": 1}'])
def test_malformed_session_posts_go_back_to_the_login(client, db, credential):
    response = client.post(SESSION, {"ceremony": "x", "credential": credential, "site": "api"})
    assert response.status_code == 302 and "passkey=failed" in response["Location"]


def test_the_second_page_offers_the_passkey_and_accepts_it(client, user, password, authenticator):
    response = client.post(
        "/api-auth/login/?next=/api/", {"username": user.email, "password": password}
    )
    assert response["Location"] == "/api-auth/login/mfa/"
    page = client.get("/api-auth/login/mfa/")
    options = page.context["passkey_options"]
    assert [c["id"] for c in options["allowCredentials"]] == [authenticator.id]
    assert b'id="passkey-options"' in page.content and b"Use a passkey" in page.content
    credential = authenticator.assert_(options)
    response = client.post("/api-auth/login/mfa/", {"credential": json.dumps(credential)})
    assert response.status_code == 302 and response["Location"] == "/api/"
    assert client.get("/api/auth/me/", HTTP_ACCEPT="application/json").status_code == 200


def test_the_second_page_refuses_a_wrong_passkey(client, user, password, authenticator):
    User.objects.filter(pk=user.pk).update(is_staff=True)
    client.post("/admin/login/?next=/admin/", {"username": user.email, "password": password})
    page = client.get("/admin/login/mfa/")
    wrong = authenticator.assert_(page.context["passkey_options"], origin="https://evil.example")
    response = client.post("/admin/login/mfa/", {"credential": json.dumps(wrong)})
    assert response.status_code == 200 and b"Invalid code." in response.content
    assert client.get("/admin/").status_code == 302


def test_the_passkeys_page_needs_a_session_and_lists_them(client, user, authenticator):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"] == "/api-auth/login/?next=%2Fapi%2Fauth%2Fpasskeys%2Fmanage%2F"
    client.force_login(user)
    html = client.get(PAGE).content.decode()
    assert "Laptop" in html and "Add a passkey" in html
    assert f'data-url="/api/auth/passkeys/{Passkey.objects.get().pk}/"' in html
    assert '<script src="/static/mfa/passkeys.js"></script>' in html
