"""A patient who shares with a doctor, and their analyses (a beat image and a record with a
trace), for the doctor-side tests."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.files.base import ContentFile

from diagnosis.models import Share
from tests.conftest import enable_totp
from tests.factories import AnalysisFactory, DoctorFactory, RecordingFactory

RECORD_FS = 360
TRACE_FS = 125


def record_result(n_beats: int = 12, pvc_at: tuple[int, ...] = (5,)) -> dict:
    beats = [
        {
            "sample": int(RECORD_FS * (0.5 + 0.8 * i)),
            "label": "PVC" if i in pvc_at else "NOR",
            "aami": "V" if i in pvc_at else "N",
            "confidence": 0.97,
            "uncertain": i == 7,
        }
        for i in range(n_beats)
    ]
    counts = {"NOR": n_beats - len(pvc_at), "PVC": len(pvc_at)}
    return {
        "input": "record",
        "fs": RECORD_FS,
        "n_samples": RECORD_FS * 10,
        "lead": "MLII",
        "beats": beats,
        "summary": {
            "n_beats": n_beats,
            "duration_s": 10.0,
            "mean_heart_rate_bpm": 75.0,
            "uncertain": 1,
            "counts": counts,
            "burden": {"PVC": len(pvc_at) / n_beats, "APC": 0.0},
        },
        "model": "test-model-1",
    }


def synthetic_trace(seconds: float = 10.0) -> bytes:
    """A float16 .npy trace at 125 Hz with a spike at each beat of ``record_result``."""
    t = np.arange(int(seconds * TRACE_FS)) / TRACE_FS
    signal = 0.05 * np.sin(2 * np.pi * 1.2 * t)
    for i in range(12):
        centre = 0.5 + 0.8 * i
        signal += np.exp(-(((t - centre) / 0.02) ** 2))
    buffer = io.BytesIO()
    np.save(buffer, signal.astype(np.float16))
    return buffer.getvalue()


def make_record_analysis(owner, **kwargs):
    recording = RecordingFactory(
        owner=owner, kind="record", file_format="wfdb-zip", original_name="holter.zip"
    )
    analysis = AnalysisFactory(
        recording=recording, label="PVC", confidence=1 / 12, result=record_result(), **kwargs
    )
    analysis.trace.save("trace.npy", ContentFile(synthetic_trace()))
    return analysis


@pytest.fixture
def doctor_with_share(db, patient):
    doctor = enable_totp(DoctorFactory(full_name="Ada Lovelace"))
    Share.objects.create(patient=patient, doctor=doctor)
    return doctor


@pytest.fixture
def doctor_without_share(db):
    return enable_totp(DoctorFactory())


@pytest.fixture
def beat_analysis(patient):
    return AnalysisFactory(recording=RecordingFactory(owner=patient))


@pytest.fixture
def record_analysis(patient):
    return make_record_analysis(patient)
