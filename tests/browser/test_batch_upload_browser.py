"""A patient sends an Apple Health export.zip in a real browser and follows its summary
page live; an export over the size limit is stopped before it is sent, with what to do."""

from __future__ import annotations

import os

import pytest

from tests.browser.conftest import wait_until
from tests.browser.test_upload_browser import log_in
from tests.diagnosis import ecg_files

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_apple_export_gives_a_summary_that_follows_each_ecg(
    live_server, chromium, screenshot, patient, tmp_path, settings
):
    export = tmp_path / "export.zip"
    export.write_bytes(ecg_files.apple_export_zip(ecg_files.three_apple_ecgs()))
    page = chromium.new_context().new_page()
    page.set_default_timeout(30_000)
    refused: list[str] = []  # what the Content-Security-Policy blocked, if anything
    page.on("console", lambda m: refused.append(m.text) if "Security Policy" in m.text else None)
    log_in(page, live_server.url, patient.email)

    page.goto(live_server.url + "/analyses/upload/")
    page.set_input_files("input[name=file]", str(export))
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("#batch-ecgs")
    wait_until(page, "document.querySelector('#batch-body').dataset.finished === 'true'")
    assert page.locator("tr.batch-line[data-status=done]").count() == 3
    assert "3 ECGs taken" in page.inner_text("#batch-counts")
    screenshot(page, "batch-summary")
    page.locator("tr.batch-line a").first.click()
    page.wait_for_selector("#result-body[data-status=done]")

    # Over the limit: the page says what to upload instead and sends nothing.
    settings.MAX_UPLOAD_MB = 1
    big = tmp_path / "big-export.zip"
    big.write_bytes(os.urandom(1024 * 1024 + 1))
    page.goto(live_server.url + "/analyses/upload/")
    page.set_input_files("input[name=file]", str(big))
    assert page.locator("#upload-too-large").is_visible()
    assert "electrocardiograms folder" in page.inner_text("#upload-too-large")
    page.locator("main form button[type=submit]").click()
    page.wait_for_timeout(500)
    assert page.url.endswith("/analyses/upload/")
    assert refused == []
