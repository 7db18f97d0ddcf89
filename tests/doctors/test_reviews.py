"""Only a doctor the patient shares with reviews; a correction (of the analysis or of a beat)
becomes a pending labeled example; the patient reads the review on the result page and in
the history."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from diagnosis.models import ExampleSource, ExampleStatus, LabeledExample, Review, Share
from diagnosis.services import sharing as reviews

pytestmark = pytest.mark.django_db


def beat_sample(analysis, index):
    return analysis.result["beats"][index]["sample"]


def test_a_sharing_doctor_confirms_a_result_without_making_examples(
    client, doctor_with_share, beat_analysis
):
    client.force_login(doctor_with_share)
    response = client.post(
        f"/analyses/{beat_analysis.id}/review/", {"label": "PVC", "note": "Agreed."}
    )
    assert response.status_code == 302
    review = Review.objects.get()
    assert review.verdict == "confirmed"
    assert not LabeledExample.objects.exists()


def test_correcting_the_label_creates_a_pending_labeled_example(
    client, doctor_with_share, beat_analysis
):
    client.force_login(doctor_with_share)
    client.post(f"/analyses/{beat_analysis.id}/review/", {"label": "APC", "note": ""})
    example = LabeledExample.objects.get()
    assert example.status == ExampleStatus.PENDING
    assert example.source == ExampleSource.DOCTOR_CORRECTION
    assert example.label == "APC"
    assert example.analysis == beat_analysis
    assert example.beat_sample is None
    assert example.created_by == doctor_with_share
    assert Review.objects.get().verdict == "corrected"


def test_correcting_a_beat_of_a_record_creates_a_pending_example_for_that_beat(
    client, doctor_with_share, record_analysis
):
    sample = beat_sample(record_analysis, 2)
    client.force_login(doctor_with_share)
    client.post(
        f"/analyses/{record_analysis.id}/review/",
        {"label": "PVC", "note": "One more PVC.", f"beat-{sample}": "PVC"},
    )
    example = LabeledExample.objects.get()
    assert (example.beat_sample, example.label, example.status) == (sample, "PVC", "pending")
    review = Review.objects.get()
    assert review.beat_corrections == [
        {"sample": sample, "t": round(sample / 360, 2), "model_label": "NOR", "label": "PVC"}
    ]


def test_the_review_page_lists_the_beats_of_a_record_with_a_class_select(
    client, doctor_with_share, record_analysis
):
    client.force_login(doctor_with_share)
    page = client.get(f"/analyses/{record_analysis.id}/review/").content.decode()
    assert f'name="beat-{beat_sample(record_analysis, 0)}"' in page
    assert 'id="review-trace"' in page


def test_reviewing_again_updates_the_review_and_its_examples(doctor_with_share, record_analysis):
    first, second = beat_sample(record_analysis, 1), beat_sample(record_analysis, 3)
    reviews.review_submit(
        analysis=record_analysis, doctor=doctor_with_share, label="PVC", beat_labels={first: "APC"}
    )
    # Second pass: the first beat is set back to the model's class, another is corrected.
    reviews.review_submit(
        analysis=record_analysis,
        doctor=doctor_with_share,
        label="PVC",
        beat_labels={first: "NOR", second: "VEB"},
    )
    assert Review.objects.count() == 1
    assert [(e.beat_sample, e.label) for e in LabeledExample.objects.all()] == [(second, "VEB")]


def test_curated_examples_are_left_alone_by_a_new_review(doctor_with_share, beat_analysis):
    reviews.review_submit(analysis=beat_analysis, doctor=doctor_with_share, label="APC")
    LabeledExample.objects.update(status=ExampleStatus.APPROVED)
    reviews.review_submit(analysis=beat_analysis, doctor=doctor_with_share, label="PVC")
    assert LabeledExample.objects.get().status == ExampleStatus.APPROVED


def test_a_beat_that_does_not_exist_is_refused(doctor_with_share, record_analysis):
    with pytest.raises(ValidationError):
        reviews.review_submit(
            analysis=record_analysis,
            doctor=doctor_with_share,
            label="PVC",
            beat_labels={123456789: "PVC"},
        )


def test_an_unknown_class_is_refused(client, doctor_with_share, beat_analysis):
    client.force_login(doctor_with_share)
    response = client.post(f"/analyses/{beat_analysis.id}/review/", {"label": "XYZ"})
    assert response.status_code == 400
    assert not Review.objects.exists()


def test_only_the_sharing_doctor_can_review(client, doctor_without_share, beat_analysis):
    client.force_login(doctor_without_share)
    response = client.post(f"/analyses/{beat_analysis.id}/review/", {"label": "APC"})
    assert response.status_code == 404
    with pytest.raises(ValidationError):
        reviews.review_submit(analysis=beat_analysis, doctor=doctor_without_share, label="APC")
    assert not Review.objects.exists()
    assert not LabeledExample.objects.exists()


def test_a_revoked_share_cannot_review_even_through_the_service(
    patient, doctor_with_share, beat_analysis
):
    share = Share.objects.get(patient=patient)
    reviews.share_revoke(share=share, by=patient)
    with pytest.raises(ValidationError):
        reviews.review_submit(analysis=beat_analysis, doctor=doctor_with_share, label="APC")


def test_the_patient_reads_the_note_and_corrections_on_the_result_page_and_in_history(
    client, patient, doctor_with_share, record_analysis
):
    sample = beat_sample(record_analysis, 4)
    reviews.review_submit(
        analysis=record_analysis,
        doctor=doctor_with_share,
        label="PVC",
        note="Please book an appointment <soon>.",
        beat_labels={sample: "APC"},
    )
    client.force_login(patient)
    page = client.get(f"/analyses/{record_analysis.id}/").content.decode()
    assert "Reviewed by a doctor" in page
    assert "Please book an appointment &lt;soon&gt;." in page  # escaped
    at = f"{int(sample / 360) // 60:02d}:{int(sample / 360) % 60:02d}"
    assert f"At {at}: normal beat → <strong>atrial premature contraction</strong>" in page
    assert 'id="review-link"' not in page  # patients do not get the review button
    history = client.get("/analyses/").content.decode()
    assert "Reviewed by Ada Lovelace · corrected" in history
