"""Issue 15's "done when", in a real browser at phone and desktop sizes: a patient with a
30-minute record sees the doctor's corrected reading at the top, jumps from event to event,
downloads a PDF a doctor elsewhere can read, and takes all their data away; the doctor's
review page at the same sizes. The screenshots (and the PDF's first page as an image) are
kept under test-artifacts/ to be looked at."""

from __future__ import annotations

import io
import zipfile

import pypdfium2
import pytest

from diagnosis.models import Share
from diagnosis.services.sharing import review_submit
from tests.browser.conftest import ARTIFACTS, wait_until
from tests.browser.test_doctor_review_browser import logged_in_page
from tests.conftest import enable_totp
from tests.diagnosis.rhythm_results import record_analysis
from tests.diagnosis.test_events import thirty_minutes
from tests.factories import DoctorFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POSITION = "document.querySelector('[data-trace-position]').textContent"


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_a_patient_acts_on_a_reviewed_thirty_minute_record(
    live_server, chromium, screenshot, viewport
):
    patient = UserFactory(full_name="Pat Patient")
    doctor = enable_totp(DoctorFactory(full_name="Ada Lovelace"))
    analysis = record_analysis(patient, thirty_minutes(), with_trace=True)
    Share.objects.create(patient=patient, doctor=doctor)
    apc = next(b["sample"] for b in analysis.result["beats"] if b["label"] == "APC")
    review_submit(
        analysis=analysis,
        doctor=doctor,
        rhythm="normal",
        label="NOR",
        note="The irregular minute at 20:00 is movement, not atrial fibrillation. "
        "Short runs of extra beats; bring this to your next visit.",
        beat_labels={apc: "PVC"},
    )

    # The doctor's review page at this size.
    as_doctor = logged_in_page(chromium, live_server, doctor, viewport)
    as_doctor.goto(f"{live_server.url}/analyses/{analysis.id}/review/")
    as_doctor.wait_for_selector("#review-trace")
    screenshot(as_doctor, f"journey-doctor-review-{viewport}")
    as_doctor.context.close()

    page = logged_in_page(chromium, live_server, patient, viewport)
    page.set_default_timeout(30_000)
    page.goto(f"{live_server.url}/analyses/{analysis.id}/")
    # The doctor's reading is at the top: the review sits right under the verdict, before
    # the beat findings, and it is on the first screen.
    review = page.locator("#doctor-reviews")
    review.wait_for()
    review_top = review.bounding_box()["y"]
    assert page.locator("#verdict").bounding_box()["y"] < review_top
    assert review_top < page.locator("#result-label").bounding_box()["y"]
    assert review_top < page.viewport_size["height"]
    assert "reviewed by Ada Lovelace" in page.inner_text("#reviewed-badge")
    assert page.inner_text("#verdict-headline").startswith("Normal sinus rhythm")
    assert "Ada Lovelace reviewed this recording" in page.inner_text("#verdict")
    screenshot(page, f"journey-patient-result-{viewport}")

    # Event to event on the trace.
    wait_until(page, f"{POSITION}.startsWith('Showing 0\u201310 s')")
    page.get_by_role("button", name="Next event ▶").click()
    wait_until(page, f"{POSITION}.startsWith('Showing 299\u2013309 s')")
    page.locator("#event-list a", has_text="Atrial fibrillation").click()
    wait_until(page, f"{POSITION}.startsWith('Showing 1199\u20131209 s')")
    page.locator("#trace-card").screenshot(
        path=str(ARTIFACTS / f"journey-patient-trace-af-{viewport}.png")
    )

    # The PDF report, as a doctor elsewhere would get it.
    with page.expect_download() as download:
        page.locator("#report-pdf-link").click()
    pdf = download.value.path().read_bytes()
    document = pypdfium2.PdfDocument(pdf)
    text = "\n".join(p.get_textpage().get_text_range() for p in document)
    assert "Ada Lovelace" in text and "not a diagnosis" in text.replace("\r", "")
    document[0].render(scale=1.5).to_pil().save(ARTIFACTS / f"journey-report-p1-{viewport}.png")

    # All their data, to take away.
    page.goto(f"{live_server.url}/analyses/my-data/")
    screenshot(page, f"journey-my-data-{viewport}")
    with page.expect_download() as download:
        page.locator("#export-link").click()
    archive = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    names = archive.namelist()
    assert "results.csv" in names and any(n.startswith("reports/") for n in names)
    page.context.close()
