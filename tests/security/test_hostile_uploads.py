"""Hostile and huge uploads: a clear error, nothing stored, nothing left in /tmp, and the web
process reads only the head of a file (peak memory measured in a subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from diagnosis.models import Recording
from tests.diagnosis import ecg_files

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _temp_uploads() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("ecg-upload-*")}


def test_a_one_line_csv_is_refused_with_a_reason_and_nothing_kept(client, patient):
    client.force_login(patient)
    before = _temp_uploads()
    huge = SimpleUploadedFile("one-line.csv", b",".join([b"0.125"] * 2_000_000))
    response = client.post("/analyses/upload/", {"file": huge, "fs": "250"})
    assert response.status_code == 400
    assert "one time point" in response.content.decode()
    assert not Recording.objects.exists()
    assert _temp_uploads() == before


CHECK = """
import resource, sys
from pathlib import Path
from diagnosis.ml import io
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    io.validate_upload(Path(sys.argv[1]), fs=250.0)
    print("accepted")
except io.InputError as error:
    print("refused:", error)
print(int((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024))
"""


@pytest.mark.parametrize("layout", ["one line", "one value per line"])
def test_checking_a_49_mb_csv_reads_only_its_head(tmp_path, layout):
    path = tmp_path / "big.csv"
    value = b"0.125"
    n = 49 * 1024 * 1024 // (len(value) + 1)
    path.write_bytes((b"," if layout == "one line" else b"\n").join([value] * n))
    out = subprocess.run(
        [sys.executable, "-c", CHECK, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.split("\n")
    grown_mb = int(out[1])
    assert grown_mb < 60, f"the check grew the process by {grown_mb} MB"
    if layout == "one line":
        assert out[0].startswith("refused:") and "one time point" in out[0]
    else:
        assert out[0] == "accepted"


@pytest.mark.parametrize("rate", ["nan", "-360", "1e300", "0"])
def test_an_impossible_wfdb_rate_is_refused_by_name(client, patient, rate):
    client.force_login(patient)
    header = f"rec 1 {rate} 3600\nrec.dat 16 200 16 0 0 0 0 MLII\n".encode()
    response = client.post(
        "/analyses/upload/",
        {
            "file": [
                SimpleUploadedFile("rec.hea", header),
                SimpleUploadedFile("rec.dat", bytes(7200)),
            ]
        },
    )
    assert response.status_code == 400
    assert "sampling rate" in response.content.decode().lower()
    assert not Recording.objects.exists()


def test_a_body_over_the_upload_limit_is_refused_before_it_is_read(client, patient, settings):
    client.force_login(patient)
    settings.MAX_REQUEST_BYTES = 1024
    response = client.post(
        "/analyses/upload/", {"file": SimpleUploadedFile("a.csv", b"1\n" * 4096), "fs": "250"}
    )
    assert response.status_code == 413 and "too large" in response.content.decode()
    api = APIClient()
    api.force_authenticate(patient)
    response = api.post(
        "/api/v1/analyses/",
        {"file": SimpleUploadedFile("a.csv", b"1\n" * 4096)},
        format="multipart",
    )
    assert response.status_code == 413 and "too large" in response.json()["file"][0]
    assert not Recording.objects.exists()


def test_uploads_over_the_hourly_quota_are_refused_with_a_reason(client, patient, settings):
    settings.UPLOADS_PER_HOUR = 2
    client.force_login(patient)
    for n, record in enumerate((ecg_files.EXCERPT, ecg_files.PVC_EXCERPT)):
        image = SimpleUploadedFile(f"b{n}.png", ecg_files.beat_png("N", record))
        assert client.post("/analyses/upload/", {"file": image}).status_code == 302
    page = client.post(
        "/analyses/upload/", {"file": SimpleUploadedFile("c.png", ecg_files.beat_png("N"))}
    )
    assert page.status_code == 400 and "in the last hour" in page.content.decode()
    api = APIClient()
    api.force_authenticate(patient)
    response = api.post(
        "/api/v1/analyses/", {"file": SimpleUploadedFile("d.png", b"x")}, format="multipart"
    )
    assert response.status_code == 429 and "in the last hour" in response.json()["file"][0]
    assert Recording.objects.count() == 2


FIRST_JOB = ROOT / "tests" / "fixtures" / "mitdb_100_excerpt.hea"
CAPPED = """
import os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "ecgsite.settings"
import django
django.setup()
from pathlib import Path
from django.conf import settings
from diagnosis import engine
model = dict(version="ecg-cnn-2.0.0", directory="ecg-cnn-2.0.0")
settings.TASK_MEMORY_MB = 0
engine.analyse_file(Path(sys.argv[2]), **model)  # a first job, as a worker has done
settings.TASK_MEMORY_MB = 64
try:
    engine.analyse_file(Path(sys.argv[1]), **model)
    print("analysed")
except engine.InputError as error:
    print("refused:", error)
"""


def test_an_analysis_over_the_memory_cap_fails_with_a_reason(patient, tmp_path, monkeypatch):
    """The cap is measured from the process's size when the work starts, so it is checked
    in a fresh process after one first job, as in a worker (a long test session would reuse
    memory it freed earlier, and the cap would not bite)."""
    from diagnosis import engine
    from diagnosis.models import Analysis
    from diagnosis.services.analyses import analysis_run
    from tests.factories import RecordingFactory

    record = tmp_path / "long.zip"
    record.write_bytes(ecg_files.long_record_zip(tmp_path, minutes=30))
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    out = (
        subprocess.run(
            [
                sys.executable,
                "-c",
                CAPPED,
                str(record),
                str(ROOT / "tests/fixtures/mitdb_100_excerpt.hea"),
            ],
            cwd=ROOT,
            env=env | {"SECRET_KEY": "x", "VAR_DIR": str(tmp_path / "var")},
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    assert out.startswith("refused:") and "too large to analyse" in out

    # ... and the worker's run ends "failed" with that reason for the person.
    def capped(*args, **kwargs):
        raise engine.InputError(out.removeprefix("refused: "))

    monkeypatch.setattr(engine, "analyse_file", capped)
    recording = RecordingFactory(owner=patient, kind="record", file_format="wfdb-zip")
    analysis = Analysis.objects.create(recording=recording)
    assert analysis_run(analysis_id=analysis.id) == "failed"
    analysis.refresh_from_db()
    assert "too large to analyse" in analysis.error


def test_an_analysis_over_the_time_limit_fails_with_a_reason(patient, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    from diagnosis import engine
    from diagnosis.models import Analysis
    from diagnosis.services.analyses import analysis_run
    from tests.factories import RecordingFactory

    def too_slow(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(engine, "analyse_file", too_slow)
    analysis = Analysis.objects.create(recording=RecordingFactory(owner=patient))
    assert analysis_run(analysis_id=analysis.id) == "failed"
    analysis.refresh_from_db()
    assert "took too long" in analysis.error
