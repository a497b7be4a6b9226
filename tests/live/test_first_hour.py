"""A newcomer's first hour in a real browser: the site root, the admin, Swagger UI and ReDoc."""

import re

import pytest
from playwright.sync_api import expect

from tests.live.conftest import USER_EMAIL, USER_PASSWORD, screenshot
from tests.live.test_browser import _admin_login, pick_user

pytestmark = pytest.mark.e2e

TOKEN_RE = re.compile(r"ast_[0-9A-Za-z]{49}")


def test_site_root_links_the_api_docs_and_admin(live_site, page):
    page.goto("/")
    for name, path in [
        ("Browsable API", "/api/"),
        ("API docs (Swagger UI)", "/api/docs/"),
        ("API reference (ReDoc)", "/api/redoc/"),
        ("Admin", "/admin/"),
    ]:
        assert page.get_by_role("link", name=name).get_attribute("href") == path
    screenshot(page, "site-root")
    _admin_login(page)
    page.get_by_role("link", name="View site").click()
    page.wait_for_url(live_site.url + "/")
    expect(page.locator("h1")).to_have_text("authsite")


def test_admin_token_page_is_a_view_with_a_revoke_button(live_site, page):
    _admin_login(page)
    page.goto("/admin/accounts/token/add/")
    pick_user(page, USER_EMAIL)
    page.fill("#id_name", "to revoke")
    page.click("input[name=_save]")
    raw = TOKEN_RE.search(page.locator("#issued-token").inner_text()).group()

    page.goto("/admin/accounts/token/")
    page.locator("#result_list a", has_text=raw[:12]).click()
    assert "View token" in page.title()
    expect(page.locator("input[name=_save], input[name=_continue]")).to_have_count(0)
    expect(page.locator(".field-scope_list .readonly")).to_have_text("read, write")
    screenshot(page, "admin-token-view")
    page.click("input[name=_revoke]")
    expect(page.locator("ul.messagelist")).to_contain_text("Revoked 1 token.")
    expect(page.locator("input[name=_revoke]")).to_have_count(0)
    assert live_site.request("GET", "/api/auth/me/", token=raw).status == 401


def _right_edge(page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    return box["x"] + box["width"]


def test_admin_lists_fit_at_1280_pixels(live_site, page):
    live_site.login(name="a long token name for a narrow screen")
    _admin_login(page)
    page.goto("/admin/accounts/token/")
    assert page.viewport_size["width"] == 1280
    assert _right_edge(page, "#result_list th.column-state") <= 1280
    assert _right_edge(page, "#result_list td.field-state") <= 1280
    screenshot(page, "admin-token-list-1280")
    page.goto("/admin/accounts/user/")
    assert _right_edge(page, "#result_list th.column-live_tokens") <= 1280
    screenshot(page, "admin-user-list-1280")


def test_superuser_deletes_a_user_who_had_tokens(live_site, page):
    email = "erase-me@example.com"
    registered = live_site.request(
        "POST", "/api/auth/register/", data={"email": email, "password": USER_PASSWORD}
    )
    assert registered.status == 201
    raw = live_site.login(email=email)
    _admin_login(page)
    page.goto(f"/admin/accounts/user/{registered.json()['id']}/delete/")
    assert "permission" not in page.locator("#content").inner_text()
    page.click("input[type=submit]")
    expect(page.locator("ul.messagelist")).to_contain_text("was deleted successfully")
    assert live_site.request("GET", "/api/auth/me/", token=raw).status == 401


def test_swagger_ui_shows_titles_tags_and_a_bearer_only_dialog(live_site, page):
    page.goto("/api/docs/")
    page.locator(".swagger-ui .info .title", has_text="authsite API").wait_for()
    for tag in ("Authentication", "Tokens", "Passwords"):
        expect(page.locator(f"#operations-tag-{tag}")).to_be_visible()
    login = page.locator("#operations-Authentication-auth_login_create")
    expect(login.locator(".opblock-summary-description")).to_have_text("Log in")
    page.click("button.btn.authorize")
    dialog = page.locator(".dialog-ux .modal-ux")
    expect(dialog).to_contain_text("without the Bearer keyword")
    assert "cookieAuth" not in dialog.inner_text()
    screenshot(page, "swagger-ui-authorize")
    assert page.external_urls == []


def test_redoc_makes_no_request_off_the_site(live_site, page):
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto("/api/redoc/")
    page.locator("h1", has_text="authsite API").first.wait_for()
    page.locator("text=API docs by Redocly").wait_for()
    assert page.external_urls == []
    assert not [url for url in page.requested_urls if not url.startswith(live_site.url)]
    assert errors == []  # no request blocked by the CSP either
    screenshot(page, "redoc-offline")
