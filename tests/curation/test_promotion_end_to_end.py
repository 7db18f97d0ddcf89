"""Promotion and rollback switch what a running inference worker uses on its next job,
without a restart; every analysis records the version that produced it."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from diagnosis.models import AuditEvent, ModelVersion
from tests.curation.conftest import SHIPPED
from tests.diagnosis import ecg_files
from tests.e2e.conftest import app_uses_broker, classify_through_api

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_promotion_and_rollback_reach_the_worker_on_its_next_job(
    client, administrator, patient, installed, models_dir, shared_redis_url, worker_factory
):
    worker_factory(shared_redis_url, ECG_MODELS_DIR=str(models_dir))
    api = APIClient()
    api.force_authenticate(patient)
    client.force_login(administrator)
    alt = ModelVersion.objects.get(version="ecg-cnn-alt")
    with app_uses_broker(shared_redis_url):
        first = classify_through_api(api, ecg_files.beat_png("N"), "one.png")
        assert first.model_version.version == SHIPPED.name
        assert first.result["model"] == SHIPPED.name

        client.post(f"/analyses/curation/models/{alt.pk}/activate/")
        assert ModelVersion.objects.get(is_active=True) == alt
        second = classify_through_api(api, ecg_files.beat_png("A"), "two.png")
        assert second.model_version == alt and second.result["model"] == "ecg-cnn-alt"

        shipped = ModelVersion.objects.get(version=SHIPPED.name)
        client.post(f"/analyses/curation/models/{shipped.pk}/activate/")
        third = classify_through_api(api, ecg_files.wfdb_zip(), "three.zip")
        assert third.model_version == shipped
    first.refresh_from_db()
    assert first.model_version.version == SHIPPED.name  # history keeps its version
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["model.promote", "model.rollback"]
