import json
import subprocess
import sys

from django.test import Client

from accounts.urls import urlpatterns

ME = "/api/auth/me/"


def test_api_root_lists_every_endpoint_without_arguments(api_client, db):
    body = api_client.get("/api/").json()
    expected = {p.name for p in urlpatterns if p.name != "root" and not p.pattern.converters}
    assert {"register", "login", "me", "logout", "logout-all"} <= expected
    assert set(body) == expected


def test_session_login_from_the_browsable_api(user, password):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/api-auth/login/", {"next": ME})
    assert page.status_code == 200
    assert b"Email address" in page.content
    response = client.post(
        "/api-auth/login/",
        {
            "username": "Alice@Example.com",
            "password": password,
            "next": ME,
            "csrfmiddlewaretoken": page.cookies["csrftoken"].value,
        },
    )
    assert response.status_code == 302 and response["Location"] == ME
    me = client.get(ME, HTTP_ACCEPT="text/html")
    assert me.status_code == 200
    assert b"alice@example.com" in me.content
    # The page offers the POST logout form, and logging out ends the session.
    assert b'action="/api-auth/logout/' in me.content
    client.post("/api-auth/logout/", {"csrfmiddlewaretoken": me.cookies["csrftoken"].value})
    assert client.get(ME).status_code == 401


def test_session_login_form_requires_csrf(user, password):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api-auth/login/", {"username": user.email, "password": password})
    assert response.status_code == 403
    assert client.get(ME).status_code == 401


def _request_with_browsable_api(setting: str) -> dict:
    code = """
import json, django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client()
root = client.get("/api/", HTTP_ACCEPT="text/html")
login = client.get("/api-auth/login/")
print(json.dumps({"type": root["Content-Type"], "login": login.status_code}))
"""
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "authsite.settings",
        "DJANGO_DEBUG": "1",
        "DJANGO_BROWSABLE_API": setting,
        "DATABASE_URL": "sqlite://:memory:",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_browsable_api_is_on_by_default():
    assert _request_with_browsable_api("1") == {
        "type": "text/html; charset=utf-8",
        "login": 200,
    }


def test_browsable_api_can_be_switched_off():
    # JSON only, even for a browser asking for HTML, and no session login pages.
    assert _request_with_browsable_api("0") == {"type": "application/json", "login": 404}


def test_token_form_posts_with_empty_optional_boxes_and_chosen_scopes(user, password):
    """The browsable API's HTML form: empty day boxes mean "omitted", scopes a multi-select."""
    from accounts.models import Token

    client = Client()
    client.force_login(user)
    page = client.get("/api/auth/tokens/", HTTP_ACCEPT="text/html")
    assert b"Lists are not currently supported" not in page.content
    assert b"<select multiple" in page.content and b'name="scopes"' in page.content
    response = client.post(
        "/api/auth/tokens/",
        {
            "name": "from the form",
            "expires_in_days": "",
            "idle_timeout_days": "",
            "scopes": ["read"],
            "allowed_ips": "",
            "password": password,
        },
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 201, response.content
    token = Token.objects.get(pk=response.json()["id"])
    assert token.scopes == ["read"]
    assert token.allowed_ips == []
    assert token.idle_timeout is None
    assert (token.expires_at - token.created_at).days == 30
    # Nothing chosen in the form: the default scopes, as when JSON omits the field.
    response = client.post(
        "/api/auth/tokens/",
        {"name": "defaults", "password": password},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["scopes"] == ["read", "write"]


def test_token_form_takes_allowed_ips_in_a_text_box(user, password):
    client = Client()
    client.force_login(user)
    page = client.get("/api/auth/tokens/", HTTP_ACCEPT="text/html")
    assert b'<textarea name="allowed_ips"' in page.content
    response = client.post(
        "/api/auth/tokens/",
        {"name": "ci", "allowed_ips": "192.0.2.0/24,\n2001:db8::1", "password": password},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["allowed_ips"] == ["192.0.2.0/24", "2001:db8::1/128"]
