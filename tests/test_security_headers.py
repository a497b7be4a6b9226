import re
import subprocess
import sys

import pytest
from django.test import Client

from accounts.models import User

PAGES = [
    "/api/",
    "/api-auth/login/",
    "/api/docs/",
    "/api/redoc/",
]


@pytest.fixture
def browser_client(client, db):
    client.force_login(User.objects.create_superuser("root@example.com", "an admin passphrase 1"))
    return client


@pytest.mark.parametrize("path", ["/admin/login/", *PAGES, "/admin/", "/api/auth/me/"])
def test_html_pages_carry_a_strict_content_security_policy(browser_client, path):
    # The login page is for visitors; everything else is looked at logged in.
    response = (Client() if path == "/admin/login/" else browser_client).get(
        path, HTTP_ACCEPT="text/html"
    )
    assert response.status_code == 200
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", [*PAGES, "/admin/", "/admin/accounts/user/add/"])
def test_pages_have_no_inline_scripts_the_policy_would_block(browser_client, path):
    response = browser_client.get(path, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    html = response.content.decode()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son(click|load|submit|change)=", html)


def test_swagger_ui_start_up_script_is_served_from_this_origin(browser_client):
    html = browser_client.get("/api/docs/").content.decode()
    script_url = re.findall(r'<script src="([^"]*\?script=[^"]*)"', html)
    assert script_url, html
    response = browser_client.get(script_url[0].replace("&amp;", "&"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in response.content.decode()


def test_json_responses_carry_the_policy_too(api_client, db):
    response = api_client.get("/api/")
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_admin_session_lasts_twelve_hours_by_default(client, db, settings):
    assert settings.SESSION_COOKIE_AGE == 12 * 3600
    User.objects.create_superuser("root@example.com", "an admin passphrase 1")
    response = client.post(
        "/admin/login/", {"username": "root@example.com", "password": "an admin passphrase 1"}
    )
    assert response.status_code == 302
    assert response.cookies["sessionid"]["max-age"] == 12 * 3600
    assert response.cookies["sessionid"]["httponly"]


def _production_env(**extra):
    return {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "authsite.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "k" * 30 + "Q9x!" * 10,
        "DJANGO_ALLOWED_HOSTS": "api.example.com",
        "DJANGO_EMAIL_BACKEND": "console",
        "ACCOUNTS_WEBAUTHN_RP_ID": "api.example.com",
        "ACCOUNTS_WEBAUTHN_ORIGINS": "https://api.example.com",
        **extra,
    }


def test_session_lifetime_comes_from_the_environment():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.SESSION_COOKIE_AGE)",
        ],
        env=_production_env(DJANGO_SESSION_COOKIE_AGE="3600"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "3600", result.stderr


def test_deploy_check_passes_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_hsts_is_a_year_or_more_in_production():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
            "s.SESSION_COOKIE_HTTPONLY, s.SECURE_SSL_REDIRECT)",
        ],
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    hsts, *flags = result.stdout.split()
    assert int(hsts) >= 31536000
    assert flags == ["True"] * 4
