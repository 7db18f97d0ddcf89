"""Every curation page and action is for administrators with TOTP only."""

from __future__ import annotations

import pytest

from diagnosis.models import ImportBatch, LabeledExample, ModelVersion, TrainingRun
from tests.curation.conftest import SHIPPED
from tests.factories import AdminFactory, AnalysisFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(installed):
    example = LabeledExample.objects.create(
        source="doctor_correction", label="PVC", analysis=AnalysisFactory(model_version=installed)
    )
    batch = ImportBatch.objects.create(sha256="0" * 64, kind="images", status_on_import="pending")
    run = TrainingRun.objects.create(status="queued")
    other = ModelVersion.objects.get(version="ecg-cnn-alt")
    return {"example": example, "batch": batch, "run": run, "model": other}


def endpoints(o):
    return [
        ("get", "/analyses/curation/"),
        ("get", f"/analyses/curation/examples/{o['example'].pk}/image/"),
        ("post", "/analyses/curation/decide/"),
        ("get", "/analyses/curation/import/"),
        ("post", "/analyses/curation/import/"),
        ("get", f"/analyses/curation/import/{o['batch'].pk}/"),
        ("get", "/analyses/curation/training/"),
        ("post", "/analyses/curation/training/start/"),
        ("get", f"/analyses/curation/training/{o['run'].pk}/"),
        ("get", f"/analyses/curation/training/{o['run'].pk}/status/"),
        ("post", f"/analyses/curation/training/{o['run'].pk}/cancel/"),
        ("post", f"/analyses/curation/models/{o['model'].pk}/activate/"),
        ("get", "/analyses/curation/audit/"),
    ]


def unchanged(o) -> None:
    """Nothing an outsider posted had an effect."""
    assert LabeledExample.objects.get(pk=o["example"].pk).status == "pending"
    assert TrainingRun.objects.get(pk=o["run"].pk).status == "queued"
    assert TrainingRun.objects.count() == 1
    assert ModelVersion.objects.get(is_active=True).version == SHIPPED.name


def call(client, method, url, o):
    data = {"ids": [o["example"].pk], "action": "approve"} if method == "post" else None
    return getattr(client, method)(url, data)


def test_anonymous_visitors_are_sent_to_log_in(client, objects):
    for method, url in endpoints(objects):
        response = call(client, method, url, objects)
        assert response.status_code == 302, url
        assert "/login/" in response["Location"], url
    unchanged(objects)


@pytest.mark.parametrize("who", ["patient", "doctor"])
def test_patients_and_doctors_are_refused(client, objects, who, request):
    client.force_login(request.getfixturevalue(who))
    for method, url in endpoints(objects):
        assert call(client, method, url, objects).status_code == 403, url
    unchanged(objects)


def test_an_administrator_without_totp_is_sent_to_set_it_up(client, objects):
    client.force_login(AdminFactory())
    for method, url in endpoints(objects):
        response = call(client, method, url, objects)
        assert response.status_code == 302, url
        assert "totp" in response["Location"], url
    unchanged(objects)


def test_an_administrator_with_totp_opens_every_page(client, administrator, objects):
    client.force_login(administrator)
    for method, url in endpoints(objects):
        if method == "get":
            assert client.get(url).status_code == 200, url
    from django.urls import reverse

    home = client.get(reverse("accounts:staff_home")).content
    assert b"/analyses/curation/training/" in home and b"/analyses/curation/" in home
