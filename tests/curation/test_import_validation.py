"""Importing labeled archives: what is taken, what is refused and why."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from diagnosis.models import AuditEvent, ExampleSource, ExampleStatus, ImportBatch, LabeledExample
from tests.curation.conftest import beat_png, images_zip, labeled_images_zip

pytestmark = pytest.mark.django_db
URL = "/analyses/curation/import/"


def post(client, data: bytes, name: str = "beats.zip", **extra):
    return client.post(URL, {"archive": SimpleUploadedFile(name, data), **extra})


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


def test_a_class_folder_archive_is_imported_as_pending_with_a_report(admin_client):
    response = post(admin_client, labeled_images_zip(per_class=3))
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.n_taken == 12 and batch.n_refused == 0
    assert batch.report["taken"] == {"NOR": 3, "PVC": 3, "LBB": 3, "APC": 3}
    examples = LabeledExample.objects.filter(import_batch=batch)
    assert {e.status for e in examples} == {ExampleStatus.PENDING}
    assert {e.source for e in examples} == {ExampleSource.IMPORT}
    # test/<class>/ is held out; every example keeps its image, window and content hash.
    assert examples.filter(holdout=True).count() == 4
    assert all(e.image and e.window and len(e.sha256) == 64 for e in examples)
    page = admin_client.get(response["Location"])
    assert b"12</strong> example(s) taken" in page.content
    assert AuditEvent.objects.filter(action="import.create").exists()


def test_approve_on_import_makes_examples_approved(admin_client):
    post(admin_client, labeled_images_zip(per_class=2), approve="on")
    assert set(LabeledExample.objects.values_list("status", flat=True)) == {"approved"}


def test_a_damaged_zip_is_refused_as_a_whole(admin_client):
    response = post(admin_client, b"PK\x03\x04 this is not really a zip")
    assert response.status_code == 400
    assert b"damaged" in response.content
    assert not LabeledExample.objects.exists() and not ImportBatch.objects.exists()
    assert AuditEvent.objects.filter(action="import.refuse").exists()


def test_an_unknown_class_folder_is_refused_and_named(admin_client):
    data = images_zip(
        {"train/NOR/a.png": beat_png("NOR", 1), "train/XYZ/b.png": beat_png("PVC", 2)}
    )
    post(admin_client, data)
    batch = ImportBatch.objects.get()
    assert batch.n_taken == 1
    [refused] = batch.report["refused"]
    assert refused["name"] == "train/XYZ/b.png"
    assert "unknown class folder 'XYZ'" in refused["reason"]


def test_class_folders_are_case_insensitive(admin_client):
    post(admin_client, images_zip({"train/pvc/a.png": beat_png("PVC", 1)}))
    assert LabeledExample.objects.get().label == "PVC"


def test_a_corrupt_image_is_refused(admin_client):
    data = images_zip(
        {"train/NOR/good.png": beat_png("NOR", 1), "train/NOR/bad.png": b"\x89PNG\r\n\x1a\nbroken"}
    )
    post(admin_client, data)
    batch = ImportBatch.objects.get()
    assert batch.n_taken == 1
    assert batch.report["refused"][0]["name"] == "train/NOR/bad.png"


def test_duplicates_are_refused_within_and_across_imports(admin_client):
    same = beat_png("PVC", 7)
    post(admin_client, images_zip({"train/PVC/a.png": same, "train/PVC/copy.png": same}))
    first = ImportBatch.objects.get()
    assert first.n_taken == 1
    assert "duplicate" in first.report["refused"][0]["reason"]
    post(admin_client, images_zip({"test/PVC/again.png": same}))
    second = ImportBatch.objects.latest("id")
    assert second.n_taken == 0
    assert second.report["refused"][0]["reason"].startswith("duplicate of example #")
    assert LabeledExample.objects.count() == 1


def test_a_zip_slip_path_is_refused(admin_client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("../../evil/NOR/a.png", beat_png("NOR", 1))
    response = post(admin_client, buffer.getvalue())
    assert response.status_code == 400
    assert b"unsafe path" in response.content
    assert not LabeledExample.objects.exists()


def test_a_wfdb_record_with_annotations_is_imported_beat_by_beat(admin_client):
    from tests.curation.conftest import ROOT

    folder = ROOT / "tests" / "fixtures" / "engine"
    files = {
        f"records/mitdb_233_482400{ext}": (folder / f"mitdb_233_482400{ext}").read_bytes()
        for ext in (".hea", ".dat", ".atr")
    }
    post(admin_client, images_zip(files))
    batch = ImportBatch.objects.get()
    assert batch.kind == "wfdb"
    assert batch.n_taken >= 15
    assert set(batch.report["taken"]) <= {"NOR", "PVC", "APC", "VEB", "LBB", "RBB"}
    assert "PVC" in batch.report["taken"]
