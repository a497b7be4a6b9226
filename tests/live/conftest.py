"""The project served by gunicorn as in production, and Chromium driven by Playwright.

`live_site` runs migrate, collectstatic and gunicorn with DJANGO_DEBUG=0 against a
temporary SQLite database, once per test session, and always stops the server.
End-to-end tests (marked `e2e`) need Debian's Chromium at /usr/bin/chromium: without it
they are skipped with a loud note, and with AUTHSITE_REQUIRE_E2E=1 (CI) the run fails.
"""

import json
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path(os.environ.get("AUTHSITE_CHROMIUM", "/usr/bin/chromium"))
REQUIRE_E2E = os.environ.get("AUTHSITE_REQUIRE_E2E", "") == "1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ADMIN_EMAIL = "operator@example.com"
# Long and unusual, so stricter password rules elsewhere in the project still accept them.
ADMIN_PASSWORD = "operator violet harbour lantern 8421"
USER_EMAIL = "ada@example.com"
USER_PASSWORD = "ada quiet copper meadow 5937"

_e2e_skipped: list[str] = []


def pytest_collection_modifyitems(config, items):
    e2e = [item for item in items if item.get_closest_marker("e2e")]
    if not e2e or CHROMIUM.exists():
        return
    if REQUIRE_E2E:
        raise pytest.UsageError(
            f"AUTHSITE_REQUIRE_E2E=1 but Chromium is not at {CHROMIUM}: apt-get install -y chromium"
        )
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    for item in e2e:
        item.add_marker(skip)


def pytest_runtest_logreport(report):
    # An expected failure reports as skipped too; only real skips count.
    if report.skipped and "e2e" in report.keywords and not hasattr(report, "wasxfail"):
        _e2e_skipped.append(report.nodeid)


def pytest_terminal_summary(terminalreporter):
    if _e2e_skipped:
        terminalreporter.write_sep(
            "!",
            f"{len(_e2e_skipped)} END-TO-END BROWSER TESTS SKIPPED: Chromium not found at "
            f"{CHROMIUM} (apt-get install -y chromium)",
            yellow=True,
            bold=True,
        )


def pytest_sessionfinish(session, exitstatus):
    # CI must never pass with the browser tests silently skipped.
    if REQUIRE_E2E and _e2e_skipped:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class LiveSite:
    url: str
    # Seconds a request may take; every request is bounded.
    timeout: float = 30
    # The server's environment, for manage.py commands against its database.
    env: dict | None = None

    def request(self, method: str, path: str, *, token: str | None = None, data=None, headers=None):
        """A plain HTTP client call, as a script would make it."""
        headers = {"Accept": "application/json", **(headers or {})}
        body = None
        if data is not None:
            body = json.dumps(data).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.url + path, body, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return Response(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Response(error.code, dict(error.headers), error.read())

    def login(self, email: str = USER_EMAIL, password: str = USER_PASSWORD, name: str = "") -> str:
        response = self.request(
            "POST", "/api/auth/login/", data={"email": email, "password": password, "name": name}
        )
        assert response.status == 200, response.body
        return response.json()["token"]


def _run(args, env, cwd):
    result = subprocess.run(
        [sys.executable, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"


def _server_env(tmp: Path) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="authsite.settings",
        DJANGO_DEBUG="0",
        # No mail server here: print emails, as production refuses to unless asked.
        DJANGO_EMAIL_BACKEND="console",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        # Plain HTTP on the loopback interface: no TLS to redirect to.
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        DJANGO_SECURE_HSTS_SECONDS="0",
        DJANGO_STATIC_ROOT=str(tmp / "static"),
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        DJANGO_SUPERUSER_EMAIL=ADMIN_EMAIL,
        DJANGO_SUPERUSER_PASSWORD=ADMIN_PASSWORD,
        # Room for the handful of logins these tests make from one address.
        ACCOUNTS_LOGIN_RATE="1000/m",
        ACCOUNTS_REGISTER_RATE="1000/m",
    )
    return env


def _wait_for_address(log: Path, server: subprocess.Popen) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        match = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", log.read_text())
        if match:
            return match.group(1)
        if server.poll() is not None:
            break
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not start:\n{log.read_text()}")


@pytest.fixture(scope="session")
def live_site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("live_site")
    env = _server_env(tmp)
    _run(["manage.py", "migrate", "--noinput"], env, ROOT)
    _run(["manage.py", "collectstatic", "--noinput"], env, ROOT)
    _run(["manage.py", "createsuperuser", "--noinput"], env, ROOT)
    log = tmp / "gunicorn.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "authsite.wsgi:application",
                "--bind",
                "127.0.0.1:0",  # the kernel picks a free port; gunicorn logs it
                "--workers",
                "1",
                "--threads",
                "4",
                "--access-logfile",
                "-",
            ],
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        site = LiveSite(_wait_for_address(log, server), env=env)
        registered = site.request(
            "POST", "/api/auth/register/", data={"email": USER_EMAIL, "password": USER_PASSWORD}
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
    # Nothing the server logged may contain a raw token.
    assert not re.search(r"ast_[0-9A-Za-z]{49}", log.read_text())


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, live_site):
    """A fresh browser tab (own cookies) that records every request it makes.

    `external_urls` lists requests that tried to leave the site; they are refused.
    """
    context = browser.new_context(base_url=live_site.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.requested_urls = []
    page.external_urls = []
    page.on("request", lambda request: page.requested_urls.append(request.url))

    def refuse(route):
        # Pages must work offline, and tests reach nothing but 127.0.0.1.
        page.external_urls.append(route.request.url)
        route.abort()

    context.route(lambda url: not url.startswith(live_site.url), refuse)
    try:
        yield page
    finally:
        context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
