"""Sign up with only a mobile number, confirm it with the texted code, sign in again with a
code by SMS, and reset the password by SMS, in a real browser at phone size (and the first
steps at desktop size)."""

from __future__ import annotations

import re

import pytest

from accounts import sms
from tests.accounts.sms_helpers import MASKED, NUMBER, PASSWORD, code_in
from tests.browser.conftest import VIEWPORTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submit(page):
    page.locator("main form button[type=submit]").first.click()


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_sign_up_with_a_number_and_sign_in_by_sms(live_server, chromium, screenshot, viewport):
    context = chromium.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    page.set_default_timeout(15_000)

    page.goto(live_server.url + "/accounts/signup/")
    page.fill("input[name=phone]", "98765 43210")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    screenshot(page, f"sms-signup-{viewport}")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r".*/accounts/phone/verify/$"))
    text = page.inner_text("main")
    assert f"We sent a 6-digit code to {MASKED}" in text
    assert NUMBER not in page.content()
    screenshot(page, f"sms-verify-{viewport}")

    page.fill("input[name=code]", "000000" if code_in(sms.outbox) != "000000" else "111111")
    submit(page)
    page.wait_for_selector(".invalid-feedback, .alert-danger")
    screenshot(page, f"sms-verify-wrong-{viewport}")
    page.fill("input[name=code]", code_in(sms.outbox))
    submit(page)
    # Signed in at once, on the account page (a new account's first stop).
    page.wait_for_url(re.compile(r".*/account/profile/$"))
    assert "+91 98765 43210" in page.inner_text("#profile-phone")
    screenshot(page, f"sms-profile-{viewport}")
    page.click("#phone-link")
    page.wait_for_url(re.compile(r".*/accounts/phone/change/$"))
    assert "+91 98765 43210" in page.inner_text("#current-phone")
    screenshot(page, f"sms-change-number-{viewport}")
    context.close()

    if viewport != "phone":
        return
    # A new browser: sign in with a code by SMS.
    context = chromium.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/accounts/login/")
    screenshot(page, "sms-login-phone")
    page.get_by_text("Sign in with a code by text message").click()
    page.wait_for_url(re.compile(r".*/accounts/login/code/$"))
    page.fill("input[name=phone]", "+91 98765 43210")
    screenshot(page, "sms-login-code-request-phone")
    submit(page)
    page.wait_for_url(re.compile(r".*/accounts/login/code/confirm/$"))
    screenshot(page, "sms-login-code-phone")
    page.fill("input[name=code]", code_in(sms.outbox))
    submit(page)
    page.wait_for_url(re.compile(r".*/analyses/upload/$"))
    context.close()

    # And reset the password by SMS.
    context = chromium.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/accounts/password/reset/")
    page.click("#reset-by-sms")
    page.fill("input[name=phone]", "+919876543210")
    screenshot(page, "sms-reset-phone")
    submit(page)
    page.wait_for_url(re.compile(r".*/account/password-reset/sms/code/$"))
    new_password = "a-brand-new-passphrase-77"
    page.fill("input[name=code]", code_in(sms.outbox))
    page.fill("input[name=password1]", new_password)
    page.fill("input[name=password2]", new_password)
    screenshot(page, "sms-reset-code-phone")
    submit(page)
    page.wait_for_url(re.compile(r".*/accounts/login/$"))
    page.fill("input[name=login]", "+91 98765 43210")
    page.fill("input[name=password]", new_password)
    submit(page)
    page.wait_for_url(re.compile(r".*/analyses/upload/$"))
    context.close()
