"""Multi-factor login in a real browser: an operator enrols from the browsable API, then logs
into the admin with a code, and finally resets their own MFA from the admin.

Named to run after test_browser.py, whose admin logins expect no second step; the last step
turns MFA off again for whatever runs later.
"""

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.live.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, screenshot

pytestmark = pytest.mark.e2e


def _form_post(page, path: str, **fields) -> str:
    """Fill and submit the browsable API's HTML form at `path`; return the response box text."""
    page.goto(path)
    form = page.locator("#post-object-form form").first
    for name, value in fields.items():
        form.locator(f"input[name={name}]").fill(value)
    form.locator("button.btn-primary").click()
    page.wait_for_load_state()
    return page.locator(".response-info").inner_text()


def test_operator_enrols_in_the_browsable_api_and_logs_into_the_admin_with_a_code(live_site, page):
    page.goto("/api-auth/login/?next=/api/auth/mfa/")
    page.fill("#id_username", ADMIN_EMAIL)
    page.fill("#id_password", ADMIN_PASSWORD)
    page.click("#submit-id-submit")
    page.wait_for_url("**/api/auth/mfa/")
    assert '"enabled": false' in page.locator(".response-info").inner_text()

    body = _form_post(page, "/api/auth/mfa/totp/", password=ADMIN_PASSWORD)
    assert "HTTP 201 Created" in body
    secret = re.search(r'"secret": "([A-Z2-7]+)"', body).group(1)
    assert "otpauth://totp/" in body
    screenshot(page, "mfa-enrol-secret")
    totp = pyotp.TOTP(secret)
    body = _form_post(page, "/api/auth/mfa/totp/confirm/", code=totp.now())
    assert "HTTP 200 OK" in body
    assert len(re.findall(r'"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}"', body)) == 10
    screenshot(page, "mfa-enrol-recovery-codes")

    # A fresh browser: the password leads to a second page, not to the admin.
    page.context.clear_cookies()
    page.goto("/admin/")
    page.fill("#id_username", ADMIN_EMAIL)
    page.fill("#id_password", ADMIN_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/login/mfa/")
    screenshot(page, "mfa-admin-second-step")
    page.fill("#id_code", "000000")
    page.click("input[type=submit]")
    expect(page.locator(".errornote")).to_contain_text("Invalid code.")
    # The confirming code's step is spent: the next step's code (within the window) works.
    page.fill("#id_code", totp.at(time.time() + 30))
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    screenshot(page, "mfa-admin-logged-in")

    page.goto("/admin/accounts/user/")
    row = page.locator("#result_list tbody tr", has_text=ADMIN_EMAIL)
    assert row.locator("td.field-mfa_enabled img").get_attribute("alt") == "True"
    row.locator("input.action-select").check()
    page.select_option("select[name=action]", "reset_mfa")
    page.click("button[name=index]")
    expect(page.locator("ul.messagelist")).to_contain_text(
        "Reset multi-factor authentication for 1 user."
    )
    token = live_site.login(email=ADMIN_EMAIL, password=ADMIN_PASSWORD)
    assert live_site.request("GET", "/api/auth/mfa/", token=token).json()["enabled"] is False
    assert secret not in page.content()
