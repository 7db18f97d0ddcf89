"""A doctor's beat correction becomes a training window whatever the upload was: a WFDB
record, a CSV of bare samples (read at the rate its uploader typed) or a strip picture."""

from __future__ import annotations

import io

import numpy as np
import pytest
import wfdb
from django.core.files.base import ContentFile

from diagnosis import engine
from diagnosis.models import ExampleSource, ExampleStatus, LabeledExample
from diagnosis.services.training import training_examples
from tests.diagnosis import ecg_files
from tests.factories import AnalysisFactory, RecordingFactory
from tests.ml import strip_render

pytestmark = pytest.mark.django_db


def _csv_250() -> bytes:
    signal = wfdb.rdrecord(str(ecg_files.EXCERPT), channels=[0]).p_signal[:, 0]
    t = np.arange(int(len(signal) / 360 * 250)) / 250
    values = np.interp(t, np.arange(len(signal)) / 360, signal)
    return "\n".join(f"{v:.4f}" for v in values).encode()


def _strip_png() -> bytes:
    signal = wfdb.rdrecord(str(ecg_files.EXCERPT), channels=[0]).p_signal[:, 0]
    img, _ = strip_render.render_strip(signal, 360, px_per_mm=8)
    buffer = io.BytesIO()
    img.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "file_format", "data", "rate", "sample"),
    [
        ("record.zip", "wfdb-zip", ecg_files.wfdb_zip(), None, 1800),
        ("samples.csv", "csv", _csv_250(), 250.0, 1250),
        # A strip is digitized at 250 Hz; the beat nearest the sample is taken.
        ("strip.png", "png", _strip_png(), None, 1250),
    ],
)
def test_a_corrected_beat_of_any_upload_becomes_a_training_window(
    doctor, name, file_format, data, rate, sample
):
    recording = RecordingFactory(
        kind="record", file_format=file_format, sampling_rate=rate, file=ContentFile(data, name)
    )
    analysis = AnalysisFactory(recording=recording)
    LabeledExample.objects.create(
        source=ExampleSource.DOCTOR_CORRECTION,
        status=ExampleStatus.APPROVED,
        label="PVC",
        analysis=analysis,
        beat_sample=sample,
        created_by=doctor,
    )
    windows, labels, _, skipped = training_examples()
    assert skipped == 0 and labels == ["PVC"]
    assert windows.shape == (1, engine.training_window_size())
    assert np.isfinite(windows).all() and windows.std() > 0
