"""A patient uploads a photo of a 12-lead printout in a real browser: the result says which
strip and lead were read and at what scale, and the rhythm is the rhythm strip's."""

from __future__ import annotations

import pytest

from tests.browser.conftest import VIEWPORTS
from tests.browser.test_upload_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_12_lead_printout_result_names_the_strip_lead_and_scale(
    live_server, chromium, screenshot, patient, tmp_path
):
    import wfdb

    from tests.ml import printout_render

    rec = wfdb.rdrecord(str(printout_render.FIXTURE))
    leads = printout_render.twelve_from_two(rec.p_signal[:, 0], rec.p_signal[:, 1])
    img, _ = printout_render.render_printout(leads, float(rec.fs), layout="3x4+1")
    picture = tmp_path / "twelve-lead.jpg"
    img.save(picture, format="JPEG", quality=90)

    context = chromium.new_context(viewport=VIEWPORTS["phone"])
    page = context.new_page()
    page.set_default_timeout(60_000)
    log_in(page, live_server.url, patient.email)
    page.goto(live_server.url + "/analyses/upload/")
    page.set_input_files("input[name=file]", str(picture))
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("#strip-choice")
    choice = page.inner_text("#strip-choice")
    assert choice.startswith("A 12-lead printout (3 rows of 4 leads and a rhythm strip)")
    assert "(lead II)" in choice and "rhythm strip at the bottom" in choice
    assert "10 mm/mV" in page.inner_text("#strip-quality")
    assert "Normal" in page.inner_text("main")
    page.locator("#strip-choice").scroll_into_view_if_needed()
    screenshot(page, "printout-12-lead-result-phone")
    context.close()
