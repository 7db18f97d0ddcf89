"""The maintenance banner counts down live in the browser (issue 16, point 6)."""

from __future__ import annotations

import re

import pytest

from diagnosis.services import maintenance
from tests.browser.conftest import VIEWPORTS, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_banner_counts_down(live_server, chromium, screenshot):
    maintenance.maintenance_start(minutes=12, message="Moving to a bigger database.")
    page = chromium.new_context(viewport=VIEWPORTS["phone"]).new_page()
    page.goto(live_server.url + "/")
    clock = page.locator("#maintenance-banner [data-countdown]")
    assert re.fullmatch(r"1[12]:\d\d", clock.inner_text())
    first = clock.inner_text()
    wait_until(page, f"document.querySelector('[data-countdown]').textContent !== '{first}'")
    screenshot(page, "maintenance-banner-phone")
    page.context.close()
    maintenance.maintenance_end()
