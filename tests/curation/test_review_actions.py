"""Bulk review of labeled examples: approve, reject, relabel; filters and counts."""

from __future__ import annotations

import pytest

from diagnosis.models import AuditEvent, ExampleSource, LabeledExample
from tests.factories import AnalysisFactory

pytestmark = pytest.mark.django_db
URL = "/analyses/curation/"


@pytest.fixture
def examples(doctor):
    analysis = AnalysisFactory()
    return [
        LabeledExample.objects.create(
            source=ExampleSource.DOCTOR_CORRECTION,
            label=label,
            analysis=analysis,
            beat_sample=None,
            created_by=doctor,
        )
        for label in ("PVC", "APC", "NOR")
    ]


def test_pending_examples_are_listed_with_counts(client, administrator, examples):
    client.force_login(administrator)
    page = client.get(URL)
    assert page.status_code == 200
    for example in examples:
        assert f'value="{example.pk}"'.encode() in page.content
    assert page.context["counts"]["totals"]["pending"] == 3
    # The corrected beat image analysis is shown from its stored file.
    image = client.get(f"{URL}examples/{examples[0].pk}/image/")
    assert image.status_code == 200


def test_filters_narrow_the_list(client, administrator, examples):
    client.force_login(administrator)
    page = client.get(URL, {"status": "pending", "label": "APC"})
    assert [item["example"].pk for item in page.context["items"]] == [examples[1].pk]


def test_bulk_approve_reject_and_relabel_are_recorded(client, administrator, examples):
    client.force_login(administrator)
    pvc, apc, nor = examples
    client.post(f"{URL}decide/", {"ids": [pvc.pk, apc.pk], "action": "approve"})
    client.post(f"{URL}decide/", {"ids": [nor.pk], "action": "relabel", "label": "VEB"})
    client.post(f"{URL}decide/", {"ids": [apc.pk], "action": "reject"})
    states = {e.pk: (e.status, e.label) for e in LabeledExample.objects.all()}
    assert states == {
        pvc.pk: ("approved", "PVC"),
        apc.pk: ("rejected", "APC"),
        nor.pk: ("approved", "VEB"),
    }
    assert LabeledExample.objects.get(pk=nor.pk).reviewed_by == administrator
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "actor_email"))
    assert actions == [
        ("examples.approve", administrator.email),
        ("examples.relabel", administrator.email),
        ("examples.reject", administrator.email),
    ]
    assert client.get("/analyses/curation/audit/").content.count(b"examples.") == 3


def test_relabel_needs_a_valid_class(client, administrator, examples):
    client.force_login(administrator)
    client.post(f"{URL}decide/", {"ids": [examples[0].pk], "action": "relabel", "label": "XYZ"})
    assert LabeledExample.objects.get(pk=examples[0].pk).status == "pending"
