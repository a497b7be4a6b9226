"""Operators, developers and client authors in a real browser (Chromium via Playwright).

Each test drives the project served by gunicorn with DJANGO_DEBUG=0 (see conftest.py) and
saves a screenshot of every page it checks under test-artifacts/.
"""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.live.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, USER_EMAIL, USER_PASSWORD, screenshot

pytestmark = pytest.mark.e2e

TOKEN_RE = re.compile(r"ast_[0-9A-Za-z]{49}")
ME = "/api/auth/me/"
# Django admin's header colour (--secondary, #417690): only there when admin CSS loaded.
ADMIN_HEADER_BACKGROUND = "rgb(65, 118, 144)"


def _admin_login(page) -> None:
    page.goto("/admin/")
    page.fill("#id_username", ADMIN_EMAIL)
    page.fill("#id_password", ADMIN_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def pick_user(page, email: str) -> None:
    """Choose the token's user in the admin's autocomplete, by typing part of the email."""
    page.click("#id_user + .select2 .select2-selection")
    page.fill(".select2-container--open .select2-search__field", email.split("@")[0])
    page.click(f".select2-results__option:has-text('{email}')")
    expect(page.locator("#id_user + .select2 .select2-selection__rendered")).to_contain_text(email)


def _assert_no_token_in_urls(page) -> None:
    assert not TOKEN_RE.search(page.url)
    assert not any(TOKEN_RE.search(url) for url in page.requested_urls)


def test_operator_finds_and_revokes_a_token_in_the_admin(live_site, page):
    raw = live_site.login(name="laptop")
    assert live_site.request("GET", ME, token=raw).status == 200

    _admin_login(page)
    header = page.locator("#header")
    # The admin's CSS is applied, not just served.
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") == ADMIN_HEADER_BACKGROUND
    assert header.evaluate("e => getComputedStyle(e).display") == "flex"
    screenshot(page, "admin-index")

    page.goto("/admin/accounts/user/")
    row = page.locator("#result_list tbody tr", has_text=USER_EMAIL)
    assert row.locator("td.field-live_tokens a").inner_text().strip() != "0"
    screenshot(page, "admin-users")

    page.goto("/admin/accounts/token/")
    page.fill("#searchbar", raw[:12])
    page.press("#searchbar", "Enter")
    page.wait_for_url("**q=ast_*")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert raw[:12] in rows.first.inner_text()
    rows.first.locator("input.action-select").check()
    page.select_option("select[name=action]", "revoke_tokens")
    page.click("button[name=index]")
    expect(page.locator("ul.messagelist")).to_contain_text("Revoked 1 token.")
    screenshot(page, "admin-tokens-revoked")

    response = live_site.request("GET", ME, token=raw)
    assert response.status == 401
    assert response.json() == {"detail": "Invalid token."}
    _assert_no_token_in_urls(page)


def test_operator_issues_a_token_shown_once(live_site, page):
    _admin_login(page)
    page.goto("/admin/accounts/token/add/")
    pick_user(page, USER_EMAIL)
    page.fill("#id_name", "deploy bot")
    page.fill("#id_expires_in_days", "7")
    page.uncheck("input[name=scopes][value=write]")
    screenshot(page, "admin-token-add")
    page.click("input[name=_save]")

    # Shown on the page that answers the form, never in a message cookie.
    expect(page.locator("#content-main")).to_contain_text("will not be shown again")
    raw = TOKEN_RE.search(page.locator("#issued-token").inner_text()).group()
    screenshot(page, "admin-token-issued")
    assert live_site.request("GET", ME, token=raw).json()["email"] == USER_EMAIL
    assert not any(raw in cookie["value"] for cookie in page.context.cookies())

    # The Copy button comes from a static script (the CSP allows no inline one).
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    copy = page.locator("button[data-copy-target=issued-token]")
    expect(copy).to_be_visible()
    copy.click()
    expect(copy).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == raw

    page.click("text=Done")
    page.wait_for_url("**/admin/accounts/token/*/change/")
    assert raw not in page.content()
    _assert_no_token_in_urls(page)


def _browsable_api_login(page) -> None:
    page.goto(f"/api-auth/login/?next={ME}")
    page.fill("#id_username", USER_EMAIL)
    page.fill("#id_password", USER_PASSWORD)
    page.click("#submit-id-submit")
    page.wait_for_url(f"**{ME}")


def test_developer_logs_in_and_out_of_the_browsable_api(live_site, page):
    page.goto("/api/")
    for name in ("login", "me", "logout", "logout-all"):
        assert f"/api/auth/{name}/" in page.locator(".response-info").inner_text()
    screenshot(page, "browsable-api-root")

    _browsable_api_login(page)
    assert USER_EMAIL in page.locator(".response-info").inner_text()
    # Bootstrap's CSS from the project: the navigation bar is styled.
    navbar = page.locator(".navbar").first
    assert navbar.evaluate("e => getComputedStyle(e).position") != "static"
    screenshot(page, "browsable-api-me")

    page.click(".navbar .dropdown-toggle")
    # The link submits a POST form; wait for its answer before the next request.
    with page.expect_response(lambda r: "/api-auth/logout/" in r.url) as logout:
        page.click("text=Log out")
    assert logout.value.request.method == "POST" and logout.value.status == 302
    page.goto(ME)
    assert "Authentication credentials were not provided." in page.content()


def test_developer_creates_a_token_from_the_browsable_api_form(live_site, page):
    _browsable_api_login(page)
    page.goto("/api/auth/tokens/")
    form = page.locator("#post-object-form form").first
    form.locator("input[name=name]").fill("from the browser")
    form.locator("input[name=expires_in_days]").fill("30")
    # A browser session always confirms the password to mint a token.
    form.locator("input[name=password]").fill(USER_PASSWORD)
    form.locator("button.btn-primary").click()
    page.wait_for_load_state()
    body = page.locator(".response-info").inner_text()
    assert "HTTP 201 Created" in body
    raw = TOKEN_RE.search(body).group()
    screenshot(page, "browsable-api-token-created")

    # A plain HTTP client can use it.
    response = live_site.request("GET", ME, token=raw)
    assert response.status == 200 and response.json()["email"] == USER_EMAIL
    # Shown once: the list has the prefix, never the token.
    page.goto("/api/auth/tokens/")
    assert raw[:12] in page.content() and raw not in page.content()
    _assert_no_token_in_urls(page)


def _swagger_execute(operation) -> tuple[str, str]:
    """Press "Try it out" then "Execute"; return the status and body of the live response."""
    operation.locator(".try-out__btn").click()
    operation.locator("button.execute").click()
    row = operation.locator(".live-responses-table tbody tr.response").first
    row.wait_for()
    status = row.locator(".response-col_status").inner_text().strip()
    body = row.locator(".response-col_description pre").first.inner_text()
    return status, body


def test_swagger_ui_logs_in_authorizes_and_calls_me(live_site, page):
    page.goto("/api/docs/")
    page.locator(".swagger-ui .info .title", has_text="authsite API").wait_for()
    # Every asset came from the project itself: the docs work without internet access.
    assert page.external_urls == []
    # Swagger UI's CSS is applied: POST operations have their tinted background.
    post = page.locator(".opblock.opblock-post").first
    assert post.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
    screenshot(page, "swagger-ui")

    login = page.locator("#operations-Authentication-auth_login_create")
    login.locator(".opblock-summary").click()
    login.locator(".try-out__btn").click()
    login.locator("textarea.body-param__text").fill(
        json.dumps({"email": USER_EMAIL, "password": USER_PASSWORD, "name": "swagger"})
    )
    login.locator("button.execute").click()
    row = login.locator(".live-responses-table tbody tr.response").first
    row.wait_for()
    assert row.locator(".response-col_status").inner_text().strip() == "200"
    raw = TOKEN_RE.search(row.inner_text()).group()

    page.click("button.btn.authorize")
    bearer = page.locator(".auth-container", has_text="bearerAuth")
    bearer.locator("input").fill(raw)
    bearer.locator("button[type=submit]").click()
    expect(bearer.locator("button", has_text="Logout")).to_be_visible()
    screenshot(page, "swagger-ui-authorized")
    page.click("button.btn-done")

    me = page.locator("#operations-Authentication-auth_me_retrieve")
    me.locator(".opblock-summary").click()
    status, body = _swagger_execute(me)
    assert status == "200"
    assert json.loads(body)["email"] == USER_EMAIL
    screenshot(page, "swagger-ui-me")
    _assert_no_token_in_urls(page)


def test_redoc_renders_the_schema_offline(live_site, page):
    page.goto("/api/redoc/")
    page.locator("h1", has_text="authsite API").first.wait_for()
    page.locator("text=/api/auth/login/").first.wait_for()
    assert page.external_urls == []
    screenshot(page, "redoc")
