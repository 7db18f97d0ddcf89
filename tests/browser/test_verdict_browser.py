"""In a real browser, at phone and desktop size: the verdict leads, the episodes are shaded on
the trace, and an episode in the list pages the trace to where it starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import ARTIFACTS, VIEWPORTS, wait_until
from tests.browser.test_upload_browser import log_in
from tests.diagnosis.rhythm_results import (
    beats_at,
    episode,
    record_analysis,
    record_result,
    spread_beats,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def af_record() -> dict:
    beats = spread_beats({"NOR": 70, "APC": 2}, 60)
    beats = [b for b in beats if not 40 <= b["sample"] / 360 < 48]
    beats += beats_at([40.5, 41.3, 42.6, 44.0], None)  # inside the noise
    beats += beats_at([62 + 0.37 * k for k in range(5)], "PVC")  # a short run of VT
    af_times, t = [], 70.0
    for k in range(80):
        t += 0.45 + 0.35 * ((k * 37) % 11) / 10  # irregularly irregular
        if t < 110:
            af_times.append(t)
    beats += beats_at(af_times, "NOR")
    beats.sort(key=lambda b: b["sample"])
    return record_result(
        verdict="af",
        rate=104,
        af_burden=0.4,
        reason="An irregularly irregular rhythm typical of atrial fibrillation for 40 s "
        "(40% of the readable signal).",
        beats=beats,
        duration_s=120,
        usable=0.93,
        warnings=["The checksum in the WFDB header does not match the data; it was read anyway."],
        episodes=[
            episode("N", 0, 40),
            episode("NOISE", 40, 48),
            episode("N", 48, 62),
            episode("VT", 62, 63.9),
            episode("N", 63.9, 70),
            episode("AFIB", 70, 110),
            episode("N", 110, 120),
        ],
    )


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_verdict_leads_and_an_episode_pages_the_trace(
    live_server,
    chromium,
    screenshot,
    patient,
    viewport,
):
    analysis = record_analysis(patient, af_record(), with_trace=True)
    context = chromium.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    page.set_default_timeout(30_000)
    log_in(page, live_server.url, patient.email)
    page.goto(f"{live_server.url}/analyses/{analysis.id}/")
    assert page.inner_text("#verdict-headline") == "Possible atrial fibrillation, 104 bpm"
    position = "document.querySelector('[data-trace-position]').textContent"
    wait_until(page, f"{position}.startsWith('Showing 0\u201310 s')")
    screenshot(page, f"verdict-result-{viewport}")
    page.click("[data-rhythm=AFIB] a.episode-link")  # AF from 70 s: shown from a second before
    wait_until(page, f"{position}.startsWith('Showing 69\u201379 s')")
    page.locator("#trace-card").screenshot(path=str(_artifact(f"verdict-trace-af-{viewport}")))
    page.click("[data-rhythm=NOISE] a.episode-link")
    wait_until(page, f"{position}.startsWith('Showing 39\u201349 s')")
    page.locator("#trace-card").screenshot(path=str(_artifact(f"verdict-trace-noise-{viewport}")))
    context.close()


def _artifact(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"
