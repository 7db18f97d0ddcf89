"""A candidate worse than the active model on the fixed DS2 benchmark (or never benchmarked:
a smoke-test run) goes live only with a typed reason and a confirmation; a rollback to a
version that was active before stays one click."""

from __future__ import annotations

import copy

import pytest

from diagnosis.models import AuditEvent, ModelVersion
from tests.curation.conftest import SHIPPED, installed, models_dir  # noqa: F401

pytestmark = pytest.mark.django_db


def activate(client, version, **data):
    return client.post(f"/analyses/curation/models/{version.pk}/activate/", data, follow=True)


def active() -> str:
    return ModelVersion.objects.get(is_active=True).version


def worse_alt() -> ModelVersion:
    alt = ModelVersion.objects.get(version="ecg-cnn-alt")
    metadata = copy.deepcopy(alt.metadata)
    metadata["metrics"]["inter_patient_DS2"]["aami_per_class"]["V"]["ppv"] = 0.30
    alt.metadata = metadata
    alt.save(update_fields=["metadata"])
    return alt


def test_a_worse_candidate_is_refused_without_a_reason(client, administrator, installed):  # noqa: F811
    client.force_login(administrator)
    alt = worse_alt()
    page = activate(client, alt)
    assert active() == SHIPPED.name
    assert "V PPV 0.300 against" in page.content.decode()
    # Ticking the box without a reason, or a reason without the box, is still no.
    activate(client, alt, confirm="yes", reason="  ")
    activate(client, alt, reason="field test")
    assert active() == SHIPPED.name


def test_with_a_reason_and_a_confirmation_it_goes_live_and_the_reason_is_kept(
    client,
    administrator,
    installed,  # noqa: F811
):
    client.force_login(administrator)
    alt = worse_alt()
    activate(client, alt, confirm="yes", reason="needed for the Holter pilot")
    assert active() == "ecg-cnn-alt"
    event = AuditEvent.objects.get(action="model.promote_override")
    assert event.details["override_reason"] == "needed for the Holter pilot"
    assert any("V PPV" in problem for problem in event.details["problems"])
    # Rolling back to the version that was active before is one click.
    activate(client, ModelVersion.objects.get(version=SHIPPED.name))
    assert active() == SHIPPED.name


def test_a_small_run_without_a_benchmark_needs_an_override(client, administrator, installed):  # noqa: F811
    client.force_login(administrator)
    alt = ModelVersion.objects.get(version="ecg-cnn-alt")
    metadata = copy.deepcopy(alt.metadata)
    del metadata["metrics"]["inter_patient_DS2"]
    alt.metadata = metadata
    alt.save(update_fields=["metadata"])
    page = activate(client, alt)
    assert "no DS2 benchmark" in page.content.decode()
    assert active() == SHIPPED.name


def test_a_candidate_as_good_as_the_active_one_is_one_click(client, administrator, installed):  # noqa: F811
    client.force_login(administrator)
    activate(client, ModelVersion.objects.get(version="ecg-cnn-alt"))
    assert active() == "ecg-cnn-alt"


def test_results_of_a_withdrawn_model_are_flagged_and_can_be_analysed_again(
    client,
    administrator,
    patient,
    other_patient,
    installed,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    from django.core.files.base import ContentFile

    from tests.diagnosis import ecg_files
    from tests.factories import AnalysisFactory, RecordingFactory

    client.force_login(administrator)
    alt = ModelVersion.objects.get(version="ecg-cnn-alt")
    activate(client, alt)
    recording = RecordingFactory(owner=patient, file=ContentFile(ecg_files.beat_png("N"), "b.png"))
    analysis = AnalysisFactory(recording=recording, model_version=alt)
    assert "withdrawn-model" not in client.get(f"/analyses/{analysis.id}/").content.decode()

    activate(client, ModelVersion.objects.get(version=SHIPPED.name))  # rollback
    alt.refresh_from_db()
    assert alt.withdrawn_at is not None
    client.force_login(patient)
    page = client.get(f"/analyses/{analysis.id}/").content.decode()
    assert "withdrawn-model" in page and "Analyse again with the current model" in page

    client.logout()
    assert client.post(f"/analyses/{analysis.id}/rerun/").status_code == 302  # to sign in
    client.force_login(other_patient)  # someone else's upload: no rerun
    assert client.post(f"/analyses/{analysis.id}/rerun/").status_code == 404
    client.force_login(patient)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/analyses/{analysis.id}/rerun/")
    fresh = recording.analyses.exclude(pk=analysis.pk).get()
    assert response.url == f"/analyses/{fresh.id}/"
    assert fresh.status == "done" and fresh.model_version.version == SHIPPED.name
    assert "withdrawn-model" not in client.get(response.url).content.decode()
    # Asking again gives the same new result, not another one.
    assert client.post(f"/analyses/{analysis.id}/rerun/").url == response.url
