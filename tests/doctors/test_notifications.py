"""Emails: a digest to each doctor of new uploads from sharing patients (task, command and
beat schedule), and a note to the patient when a review is written (sent on commit)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command

from diagnosis.models import Share
from diagnosis.services import sharing as reviews
from diagnosis.tasks import send_doctor_digests
from tests.factories import AnalysisFactory, RecordingFactory

pytestmark = pytest.mark.django_db


def test_the_patient_is_emailed_when_a_review_is_written(
    django_capture_on_commit_callbacks, patient, doctor_with_share, beat_analysis
):
    with django_capture_on_commit_callbacks(execute=True):
        reviews.review_submit(
            analysis=beat_analysis, doctor=doctor_with_share, label="PVC", note="Secret note"
        )
    [email] = mail.outbox
    assert email.to == [patient.email]
    assert "reviewed your ECG result" in email.subject
    assert f"/analyses/{beat_analysis.id}/" in email.body
    assert "Secret note" not in email.body  # no health data by email


def test_no_email_leaves_before_the_review_commits(patient, doctor_with_share, beat_analysis):
    reviews.review_submit(analysis=beat_analysis, doctor=doctor_with_share, label="PVC")
    assert mail.outbox == []


def test_doctors_get_a_digest_of_new_shared_uploads_once(
    patient, doctor_with_share, beat_analysis, record_analysis
):
    assert send_doctor_digests() == 1
    [email] = mail.outbox
    assert email.to == [doctor_with_share.email]
    assert "2 new uploads" in email.subject
    assert "/analyses/doctor/" in email.body
    # Nothing new: no second email.
    assert send_doctor_digests() == 0
    AnalysisFactory(recording=RecordingFactory(owner=patient))
    assert send_doctor_digests() == 1
    assert "1 new upload " in mail.outbox[1].subject + " "


def test_revoked_shares_are_left_out_of_the_digest(patient, doctor_with_share, beat_analysis):
    Share.objects.update(revoked_at="2026-01-01T00:00:00Z")
    assert send_doctor_digests() == 0
    assert mail.outbox == []


def test_the_management_command_sends_the_digests(doctor_with_share, beat_analysis, capsys):
    call_command("send_doctor_digests")
    assert "Sent 1 digest email." in capsys.readouterr().out
    assert len(mail.outbox) == 1


def test_beat_sends_the_digest_every_day():
    entry = settings.CELERY_BEAT_SCHEDULE["doctor-digests"]
    assert entry["task"] == "diagnosis.tasks.send_doctor_digests"
    assert entry["schedule"] == 24 * 3600.0
