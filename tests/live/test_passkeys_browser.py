"""Passkeys in Chromium with the DevTools Protocol's virtual authenticator (CTAP2, internal,
resident keys, user verification): register on the passkeys page, sign in with the passkey
alone, use it as the second step after the password, and sign into the admin with it.

The site runs on its own gunicorn (DJANGO_DEBUG=0), reached as http://localhost:<port>: a
WebAuthn RP ID must be a domain, and the origins setting must name the port.
"""

import re
import socket
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.live.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    USER_PASSWORD,
    LiveSite,
    _run,
    _server_env,
    _wait_for_address,
    screenshot,
)

pytestmark = pytest.mark.e2e

EMAIL = "passkey.user@example.com"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def passkey_site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("passkey_site")
    port = _free_port()
    env = _server_env(tmp)
    env.update(
        ACCOUNTS_WEBAUTHN_RP_ID="localhost",
        ACCOUNTS_WEBAUTHN_ORIGINS=f"http://localhost:{port}",
    )
    _run(["manage.py", "migrate", "--noinput"], env, ROOT)
    _run(["manage.py", "collectstatic", "--noinput"], env, ROOT)
    _run(["manage.py", "createsuperuser", "--noinput"], env, ROOT)
    log = tmp / "gunicorn.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "authsite.wsgi:application",
             "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4",
             "--access-logfile", "-"],
            env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_for_address(log, server)
        site = LiveSite(f"http://localhost:{port}", env=env)
        registered = site.request(
            "POST", "/api/auth/register/", data={"email": EMAIL, "password": USER_PASSWORD}
        )
        assert registered.status == 201, registered.body
        yield site
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    # Nothing the server logged may contain a raw token or a ceremony id.
    text = log.read_text()
    assert not re.search(r"ast_[0-9A-Za-z]{49}", text)
    assert "pkc_" not in text


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Device:
    """One browser profile with its own virtual platform authenticator."""

    def __init__(self, chromium, site: LiveSite):
        self.context = chromium.new_context(
            base_url=site.url, viewport={"width": 1280, "height": 900}
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.external: list[str] = []
        # The pages' script must run within the site's CSP: no violation reported.
        self.console: list[str] = []
        self.page.on("console", lambda message: self.console.append(message.text))

        def refuse(route):
            # No CDN, nothing off the site.
            self.external.append(route.request.url)
            route.abort()

        self.context.route(lambda url: not url.startswith(site.url), refuse)
        self.cdp = self.context.new_cdp_session(self.page)
        self.cdp.send("WebAuthn.enable", {"enableUI": False})
        self.authenticator = self.cdp.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                    "automaticPresenceSimulation": True,
                }
            },
        )["authenticatorId"]

    def credentials(self) -> list[dict]:
        result = self.cdp.send("WebAuthn.getCredentials", {"authenticatorId": self.authenticator})
        return result["credentials"]

    def password_login(self, email: str, password: str, next_url: str = "/api/auth/me/"):
        page = self.page
        page.goto(f"/api-auth/login/?next={next_url}")
        page.fill("#id_username", email)
        page.fill("#id_password", password)
        page.click("#submit-id-submit")

    def add_passkey(self, password: str, name: str, code: str = "") -> str:
        page = self.page
        page.goto("/api/auth/passkeys/manage/")
        page.fill("#id_password", password)
        if code:
            page.fill("#id_code", code)
        page.fill("#id_name", name)
        page.click("#passkey-add")
        message = page.locator("#passkey-message")
        expect(message).to_contain_text("Passkey added.")
        return message.inner_text()

    def close(self):
        self.context.close()


@pytest.fixture
def device(chromium, passkey_site):
    device = Device(chromium, passkey_site)
    try:
        yield device
        assert device.external == []
        assert not [text for text in device.console if "Content Security Policy" in text]
    finally:
        device.close()


def test_register_sign_in_alone_and_as_second_step_then_remove(device, passkey_site):
    page = device.page
    # Signed in with the password (MFA off), the user adds a passkey from the page.
    device.password_login(EMAIL, USER_PASSWORD)
    page.wait_for_url("**/api/auth/me/")
    message = device.add_passkey(USER_PASSWORD, "Chromium")
    # The first passkey turned MFA on: recovery codes, shown this once.
    codes = re.findall(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", message)
    assert len(codes) == 10
    (credential,) = device.credentials()
    assert credential["isResidentCredential"] is True
    screenshot(page, "passkey-added")
    page.reload()
    expect(page.locator("#passkeys")).to_contain_text("Chromium")

    # A new session: the passkey alone signs in (passwordless, user verification).
    device.context.clear_cookies()
    page.goto("/api-auth/login/?next=/api/auth/me/")
    expect(page.locator("#passkey-login")).to_have_text("Sign in with a passkey")
    screenshot(page, "passkey-api-login")
    page.click("#passkey-login")
    page.wait_for_url("**/api/auth/me/")
    assert EMAIL in page.locator(".response-info").inner_text()
    assert device.credentials()[0]["signCount"] >= 1

    # Another new session: the password, then the passkey as the second step.
    device.context.clear_cookies()
    device.password_login(EMAIL, USER_PASSWORD)
    page.wait_for_url("**/api-auth/login/mfa/")
    screenshot(page, "passkey-second-step")
    page.click("#passkey-second-step")
    page.wait_for_url("**/api/auth/me/")
    assert EMAIL in page.locator(".response-info").inner_text()

    # The passkey as the second step of a REST login too: the page's JSON client is the API.
    login = passkey_site.request(
        "POST", "/api/auth/login/", data={"email": EMAIL, "password": USER_PASSWORD}
    )
    assert login.json()["methods"][0] == "passkey"

    # Removed from the page with the password, the code left empty: the passkey itself
    # confirms (MFA is on). The last factor gone, MFA is off and the password alone signs in.
    count = device.credentials()[0]["signCount"]
    page.goto("/api/auth/passkeys/manage/")
    page.fill("#id_password", USER_PASSWORD)
    page.click("#passkeys button[data-passkey-action=remove]")
    expect(page.locator("#passkeys")).to_contain_text("No passkeys yet.")
    login = passkey_site.request(
        "POST", "/api/auth/login/", data={"email": EMAIL, "password": USER_PASSWORD}
    )
    assert "token" in login.json()
    assert device.credentials()[0]["signCount"] > count


def test_operator_signs_into_the_admin_with_a_passkey(device):
    page = device.page
    device.password_login(ADMIN_EMAIL, ADMIN_PASSWORD, next_url="/api/auth/passkeys/manage/")
    page.wait_for_url("**/api/auth/passkeys/manage/")
    device.add_passkey(ADMIN_PASSWORD, "Operator laptop")

    device.context.clear_cookies()
    page.goto("/admin/")
    expect(page.locator("#passkey-login")).to_be_visible()
    screenshot(page, "passkey-admin-login")
    page.click("#passkey-login")
    page.wait_for_url("**/admin/")
    page.wait_for_load_state()
    expect(page.locator("#site-name")).to_be_visible()
    # The operator's passkey is listed on their user page.
    page.click("a[href='/admin/accounts/user/']")
    page.wait_for_url("**/admin/accounts/user/")
    page.click(f'#result_list a:has-text("{ADMIN_EMAIL}")')
    page.wait_for_url("**/change/")
    expect(page.locator("body")).to_contain_text("Operator laptop")


def test_without_a_passkey_the_login_page_says_it_failed(device):
    # No passkey in this profile: the authenticator finds none and the page says so.
    page = device.page
    page.goto("/api-auth/login/")
    page.click("#passkey-login")
    expect(page.locator("[data-passkey-message]")).to_contain_text(
        "The passkey did not sign you in.", timeout=30_000
    )
