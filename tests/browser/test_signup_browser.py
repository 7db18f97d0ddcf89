"""Sign-up -> confirmation email -> confirm -> login, in a real browser, phone and desktop."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.browser.conftest import VIEWPORTS

PASSWORD = "a-long-and-unusual-passphrase-42"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_sign_up_confirm_and_log_in(live_server, chromium, screenshot, viewport):
    email = f"browser.{viewport}@example.org"
    context = chromium.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    page.set_default_timeout(15_000)

    page.goto(live_server.url + "/")
    assert "screening aid, not a diagnosis" in page.content()
    screenshot(page, f"foundation-home-{viewport}")

    page.goto(live_server.url + "/accounts/signup/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    screenshot(page, f"foundation-signup-{viewport}")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r".*/accounts/confirm-email/$"))
    assert "verify" in page.content().lower()

    message = next(m for m in mail.outbox if email in m.to)
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", str(message.body))
    assert link
    page.goto(live_server.url + link.group(1))
    screenshot(page, f"foundation-confirm-{viewport}")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/accounts/login/.*"))

    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    # A patient lands on the upload page (what they came for).
    page.wait_for_url(re.compile(r".*/analyses/upload/$"))
    page.goto(live_server.url + "/account/profile/")
    assert email in page.content()
    if viewport == "phone":
        # The menu collapses behind the toggler on a phone and opens on tap.
        page.click("button.navbar-toggler")
        page.wait_for_selector("#nav.show")
    screenshot(page, f"foundation-profile-{viewport}")
    context.close()
