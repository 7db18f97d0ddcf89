"""On a phone, a patient with a 30-minute record jumps from event to event on the trace."""

from __future__ import annotations

from tests.browser.conftest import VIEWPORTS, wait_until
from tests.browser.test_upload_browser import log_in
from tests.diagnosis.rhythm_results import record_analysis
from tests.diagnosis.test_events import thirty_minutes

POSITION = "document.querySelector('[data-trace-position]').textContent"


def test_next_and_previous_event_on_a_phone(live_server, chromium, screenshot, patient):
    analysis = record_analysis(patient, thirty_minutes(), with_trace=True)
    context = chromium.new_context(viewport=VIEWPORTS["phone"])
    page = context.new_page()
    page.set_default_timeout(30_000)
    log_in(page, live_server.url, patient.email)
    page.goto(f"{live_server.url}/analyses/{analysis.id}/")
    wait_until(page, f"{POSITION}.startsWith('Showing 0\u201310 s')")
    next_event = page.get_by_role("button", name="Next event ▶")
    next_event.click()  # the PVC run at 300 s, shown from 299 s
    wait_until(page, f"{POSITION}.startsWith('Showing 299\u2013309 s')")
    screenshot(page, "events-phone-pvc-run")
    next_event.click()  # the fastest minute, from 600 s
    wait_until(page, f"{POSITION}.startsWith('Showing 599\u2013609 s')")
    page.get_by_role("button", name="◀ Previous event").click()
    wait_until(page, f"{POSITION}.startsWith('Showing 299\u2013309 s')")
    page.get_by_role("button", name="Abnormal beat ▶").click()  # the second PVC of the run
    wait_until(page, f"{POSITION}.startsWith('Showing 300\u2013310 s')")
    page.locator("#event-list a", has_text="Atrial fibrillation").click()
    wait_until(page, f"{POSITION}.startsWith('Showing 1199\u20131209 s')")
    screenshot(page, "events-phone-af")
    context.close()
