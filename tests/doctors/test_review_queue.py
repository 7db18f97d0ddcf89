"""The doctor's queue: patients who share, analyses not yet reviewed first, filters by
patient, class, date and review state, and counts of what waits."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from diagnosis.models import Analysis, Share
from diagnosis.selectors import sharing as review_selectors
from diagnosis.services import sharing as reviews
from tests.factories import AnalysisFactory, RecordingFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_patient(doctor_with_share):
    person = UserFactory(full_name="Zed Second")
    Share.objects.create(patient=person, doctor=doctor_with_share)
    return person


def analysis_of(owner, label="PVC", days_ago=0, **kwargs):
    analysis = AnalysisFactory(recording=RecordingFactory(owner=owner), label=label, **kwargs)
    Analysis.objects.filter(pk=analysis.pk).update(
        created_at=timezone.now() - dt.timedelta(days=days_ago)
    )
    return analysis


def ids(queryset):
    return [a.id for a in queryset]


def test_analyses_not_yet_reviewed_come_first(patient, doctor_with_share):
    old_waiting = analysis_of(patient, days_ago=5)
    new_reviewed = analysis_of(patient, days_ago=0)
    reviews.review_submit(analysis=new_reviewed, doctor=doctor_with_share, label="PVC")
    queue = review_selectors.review_queue(doctor_with_share, state="all")
    assert ids(queue) == [old_waiting.id, new_reviewed.id]


def test_filters_by_patient_class_date_and_state(
    client, patient, second_patient, doctor_with_share
):
    mine_pvc = analysis_of(patient, "PVC", days_ago=1)
    mine_nor = analysis_of(patient, "NOR", days_ago=10)
    theirs = analysis_of(second_patient, "PVC", days_ago=1)
    reviews.review_submit(analysis=theirs, doctor=doctor_with_share, label="PVC")
    queue = review_selectors.review_queue

    assert set(ids(queue(doctor_with_share, patient_id=patient.pk, state="all"))) == {
        mine_pvc.id,
        mine_nor.id,
    }
    assert set(ids(queue(doctor_with_share, label="PVC", state="all"))) == {mine_pvc.id, theirs.id}
    since = (timezone.now() - dt.timedelta(days=3)).date()
    assert set(ids(queue(doctor_with_share, date_from=since, state="all"))) == {
        mine_pvc.id,
        theirs.id,
    }
    assert ids(queue(doctor_with_share, state="reviewed")) == [theirs.id]
    assert set(ids(queue(doctor_with_share))) == {mine_pvc.id, mine_nor.id}

    client.force_login(doctor_with_share)
    page = client.get(
        "/analyses/doctor/", {"patient": patient.pk, "label": "NOR", "state": "all"}
    ).content.decode()
    assert str(mine_nor.id) in page
    assert str(mine_pvc.id) not in page


def test_the_page_counts_what_waits(client, patient, second_patient, doctor_with_share):
    analysis_of(patient)
    analysis_of(patient)
    analysis_of(second_patient)
    analysis_of(patient, status="queued", label="")  # not finished: not waiting yet
    client.force_login(doctor_with_share)
    response = client.get("/analyses/doctor/")
    assert "3 waiting" in response.content.decode()
    waiting = {s.patient_id: s.waiting for s in response.context["shares"]}
    assert waiting == {patient.pk: 2, second_patient.pk: 1}


def test_the_queue_holds_only_patients_who_share(
    patient, other_patient, doctor_with_share, doctor_without_share
):
    shared = analysis_of(patient)
    analysis_of(other_patient)
    assert ids(review_selectors.review_queue(doctor_with_share)) == [shared.id]
    assert ids(review_selectors.review_queue(doctor_without_share)) == []


def test_the_queue_and_the_review_page_show_the_rhythm_verdict(client, patient, doctor_with_share):
    from tests.diagnosis.rhythm_results import episode, record_analysis, record_result

    analysis = record_analysis(
        patient,
        record_result(
            verdict="af",
            reason="An irregularly irregular rhythm typical of atrial fibrillation for 30 s.",
            episodes=[episode("AFIB", 0, 30)],
            af_burden=1.0,
        ),
    )
    client.force_login(doctor_with_share)
    queue = client.get("/analyses/doctor/").content.decode()
    assert "Possible atrial fibrillation" in queue
    page = client.get(f"/analyses/{analysis.id}/review/").content.decode()
    assert "Possible atrial fibrillation" in page and "irregularly irregular" in page
