"""A patient uploads a beat image and a WFDB zip in a real browser and sees the results."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import VIEWPORTS, wait_until
from tests.diagnosis import ecg_files
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base_url: str, email: str) -> None:
    page.goto(base_url + "/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/(analyses/upload|analyses/doctor|account/profile)/$"))


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_upload_a_beat_image_and_a_wfdb_zip_and_see_both_results(
    live_server, chromium, screenshot, patient, tmp_path, viewport
):
    beat = tmp_path / "my-beat.png"
    beat.write_bytes(ecg_files.beat_png("N"))
    record = tmp_path / "mitdb-100-excerpt.zip"
    record.write_bytes(ecg_files.wfdb_zip())

    context = chromium.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    page.set_default_timeout(30_000)
    refused: list[str] = []  # what the Content-Security-Policy blocked, if anything
    page.on("console", lambda m: refused.append(m.text) if "Security Policy" in m.text else None)
    log_in(page, live_server.url, patient.email)

    page.goto(live_server.url + "/analyses/upload/")
    assert "50 MB" in page.content()
    screenshot(page, f"upload-form-{viewport}")
    page.set_input_files("input[name=file]", str(beat))
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("#result-label")
    assert page.locator("#result-label").get_attribute("data-label") == "NOR"
    page.wait_for_selector("#probabilities-chart")
    assert "sensitivity" in page.inner_text("#model-accuracy")
    screenshot(page, f"upload-beat-result-{viewport}")

    page.goto(live_server.url + "/analyses/upload/")
    page.set_input_files("input[name=file]", str(record))
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("#counts-table")
    wait_until(page, "document.querySelector('[data-trace-position]').textContent.length > 0")
    screenshot(page, f"upload-record-result-{viewport}")
    assert page.inner_text("[data-trace-position]").startswith("Showing 0\u201310 s of 10 s")
    page.click("[data-trace-zoom]")  # 10 s -> 4 s
    position = "document.querySelector('[data-trace-position]').textContent"
    wait_until(page, f"{position}.startsWith('Showing 0\u20134 s')")

    page.goto(live_server.url + "/analyses/")
    assert page.locator("#history-list a").count() == 2
    screenshot(page, f"upload-history-{viewport}")
    assert refused == []
    context.close()


def test_in_embedded_mode_the_page_shows_the_job_waiting_then_done_without_a_reload(
    live_server, chromium, screenshot, patient, tmp_path, settings, monkeypatch
):
    """No broker: the upload returns at once and the same page follows the job (issue 15)."""
    import threading

    from diagnosis.services import queue

    settings.EMBEDDED_TASKS_IN_BACKGROUND = True
    release = threading.Event()
    original = queue._run
    monkeypatch.setattr(queue, "_run", lambda name, args: (release.wait(60), original(name, args)))
    beat = tmp_path / "my-beat.png"
    beat.write_bytes(ecg_files.beat_png("N"))
    try:
        page = chromium.new_context(viewport=VIEWPORTS["phone"]).new_page()
        page.set_default_timeout(30_000)
        log_in(page, live_server.url, patient.email)
        page.goto(live_server.url + "/analyses/upload/")
        page.set_input_files("input[name=file]", str(beat))
        page.locator("main form button[type=submit]").click()
        page.wait_for_selector("#result-body[data-status=queued]")
        assert "Waiting in line" in page.inner_text("#result-body")
        screenshot(page, "embedded-progress-1-waiting-phone")
        loads: list[str] = []
        page.on("load", lambda _: loads.append(page.url))
        release.set()
        page.wait_for_selector("#result-label")
        assert page.locator("#result-label").get_attribute("data-label") == "NOR"
        assert loads == []  # the live fragment replaced itself; no reload
        screenshot(page, "embedded-progress-2-done-phone")
    finally:
        release.set()
        queue.embedded_runners_stop()
