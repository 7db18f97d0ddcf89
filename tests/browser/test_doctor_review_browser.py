"""Two browsers: a patient shares with a doctor, the doctor reviews a record and corrects a
beat, the patient reads the note and sees who looked at their data."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from diagnosis.models import LabeledExample, Review
from tests.browser.conftest import VIEWPORTS, wait_until
from tests.conftest import enable_totp
from tests.doctors.conftest import make_record_analysis
from tests.factories import DoctorFactory, UserFactory

pytestmark = [pytest.mark.browser]


def logged_in_page(chromium, live_server, user, viewport="desktop"):
    """A browser context already signed in as ``user`` (the session the test client makes)."""
    client = Client()
    client.force_login(user)
    context = chromium.new_context(
        viewport=VIEWPORTS[viewport], is_mobile=viewport == "phone", has_touch=viewport == "phone"
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


@pytest.mark.django_db(transaction=True)
def test_share_then_the_doctor_corrects_a_beat_and_the_patient_reads_the_review(
    live_server, chromium, screenshot
):
    patient = UserFactory(full_name="Pat Patient")
    doctor = enable_totp(DoctorFactory(full_name="Ada Lovelace"))
    analysis = make_record_analysis(patient)
    corrected = analysis.result["beats"][2]["sample"]

    # The patient finds the doctor and shares.
    as_patient = logged_in_page(chromium, live_server, patient)
    as_patient.goto(live_server.url + "/analyses/sharing/")
    as_patient.fill("#id_q", "Lovelace")
    as_patient.get_by_role("button", name="Search").click()
    as_patient.get_by_role("link", name="Share with Ada").click()
    # The second step: what to share and for how long.
    as_patient.get_by_label("30 days").check()
    screenshot(as_patient, "doctors-0-patient-chooses-scope-and-expiry")
    as_patient.get_by_role("button", name="Share", exact=True).click()
    shares = as_patient.locator("#active-shares").inner_text()
    assert "Ada Lovelace" in shares and "All your results" in shares and "until" in shares
    screenshot(as_patient, "doctors-1-patient-shares")

    # The doctor sees the record waiting and opens the review.
    as_doctor = logged_in_page(chromium, live_server, doctor)
    as_doctor.goto(live_server.url + "/analyses/doctor/")
    assert as_doctor.locator("#waiting-total").inner_text() == "1 waiting"
    screenshot(as_doctor, "doctors-2-review-queue")
    as_doctor.locator(f'[data-analysis="{analysis.id}"]').get_by_role("link", name="Review").click()
    as_doctor.wait_for_url(re.compile(rf".*/analyses/{analysis.id}/review/.*"))

    # Clicking on the trace picks the nearest beat's row in the table.
    canvas = as_doctor.locator("#review-trace")
    wait_until(
        as_doctor, "() => window.reviewChart && window.reviewChart.data.datasets.length === 2"
    )
    # Chart.js lays the canvas out once more after creation: click until it reacts.
    for _ in range(10):
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()
        assert box is not None
        as_doctor.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        if as_doctor.locator("#beats-table tr.table-active").count():
            break
        as_doctor.wait_for_timeout(200)
    assert as_doctor.locator("#beats-table tr.table-active").count() == 1

    as_doctor.select_option(f"#beat-{corrected}", "APC")
    assert "table-warning" in (
        as_doctor.locator(f"#beat-row-{corrected}").get_attribute("class") or ""
    )
    as_doctor.fill("#id_note", "The third beat is an atrial premature beat. Nothing urgent.")
    screenshot(as_doctor, "doctors-3-review-before-saving")
    as_doctor.get_by_role("button", name="Save review").click()
    as_doctor.wait_for_selector("text=Your review is saved")
    screenshot(as_doctor, "doctors-4-review-saved")

    review = Review.objects.get()
    [correction] = review.beat_corrections
    assert (correction["sample"], correction["model_label"], correction["label"]) == (
        corrected,
        "NOR",
        "APC",
    )
    assert LabeledExample.objects.get().beat_sample == corrected

    # The patient reads the review on the result page and in the history (desktop, phone).
    as_patient.goto(live_server.url + f"/analyses/{analysis.id}/")
    reviews_card = as_patient.locator("#doctor-reviews")
    assert "Nothing urgent." in reviews_card.inner_text()
    assert "normal beat → atrial premature contraction" in reviews_card.inner_text()
    screenshot(as_patient, "doctors-5-patient-reads-review")
    as_patient.goto(live_server.url + "/analyses/")
    assert "Reviewed by Ada Lovelace" in as_patient.locator("#history-list").inner_text()
    as_patient.goto(live_server.url + "/analyses/access-log/")
    log = as_patient.locator("#access-log").inner_text()
    assert "Ada Lovelace" in log and "Review page" in log
    screenshot(as_patient, "doctors-6-who-saw-my-data")

    on_phone = logged_in_page(chromium, live_server, patient, viewport="phone")
    on_phone.goto(live_server.url + f"/analyses/{analysis.id}/")
    assert "Nothing urgent." in on_phone.locator("#doctor-reviews").inner_text()
    screenshot(on_phone, "doctors-7-patient-reads-review-phone")
