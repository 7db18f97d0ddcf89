"""With S3 settings every file goes to the bucket and back through the storage API: an
upload is analysed (the engine reads a temporary copy), its trace, report and the data
export come from the bucket, downloads stay behind the permission-checked views, nothing
lands in MEDIA_ROOT, and a retrained model version is fetched from the bucket once into
this machine's cache."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files import storage as storage_api
from storages.backends.s3 import S3Storage

from diagnosis import files
from diagnosis.models import ModelVersion, Status
from diagnosis.services import analyses as analysis_services
from diagnosis.services import curation, uploads
from tests.curation.conftest import copy_model

pytestmark = pytest.mark.django_db

# (``storage_api.default_storage``, never ``default_storage`` imported here: pytest reads a
# test module's names while collecting, and touching the lazy storage that early would fix
# the storages before the tests' settings apply.)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_an_upload_is_stored_analysed_and_served_from_the_bucket(
    client, patient, other_patient, upload, wfdb_zip, s3_bucket
):
    before = media_files()
    client.force_login(patient)
    analysis = upload(wfdb_zip)
    assert analysis.status == Status.DONE, analysis.error
    assert len(analysis.result["beats"]) >= 11

    recording = analysis.recording
    assert s3_bucket.keys("recordings/") == [recording.file.name]
    assert s3_bucket.keys("traces/") == [analysis.trace.name]
    with pytest.raises(NotImplementedError):
        recording.file.path  # noqa: B018 - object storage has no local path

    # The trace and the original come back through the site's views only.
    window = client.get(f"/analyses/{analysis.id}/trace.json?start=0&seconds=5").json()
    assert window["fs"] == 125 and len(window["values"]) == 625
    download = client.get(f"/analyses/{analysis.id}/file/")
    assert download.status_code == 200
    assert sha256(b"".join(download.streaming_content)) == recording.sha256
    client.force_login(other_patient)
    assert client.get(f"/analyses/{analysis.id}/file/").status_code == 404

    client.force_login(patient)
    pdf = client.get(f"/analyses/{analysis.id}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert len(s3_bucket.keys(f"reports/{patient.id}/")) == 1
    export = client.get("/analyses/my-data/export.zip")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(export.streaming_content)))
    uploads = [name for name in archive.namelist() if name.startswith("uploads/")]
    assert [sha256(archive.read(name)) for name in uploads] == [recording.sha256]

    assert media_files() == before  # nothing written on this machine's disk


def test_stored_objects_are_private(client, patient, upload, beat_image, s3_bucket):
    client.force_login(patient)
    analysis = upload(beat_image)
    key = analysis.recording.file.name
    grants = s3_bucket.client.get_object_acl(Bucket=s3_bucket.name, Key=key)["Grants"]
    assert all("AllUsers" not in str(grant["Grantee"]) for grant in grants)
    # Any URL the storage could give is signed and expires; the site never hands one out.
    assert "Signature=" in analysis.recording.file.url
    page = client.get(f"/analyses/{analysis.id}/").content.decode()
    assert s3_bucket.endpoint not in page


def test_deleting_a_recording_removes_its_objects(
    client, patient, upload, wfdb_zip, s3_bucket, django_capture_on_commit_callbacks
):
    client.force_login(patient)
    analysis = upload(wfdb_zip)
    client.get(f"/analyses/{analysis.id}/report.pdf")
    assert len(s3_bucket.keys()) == 3  # the upload, its trace, its report
    with django_capture_on_commit_callbacks(execute=True):
        uploads.recording_delete(recording=analysis.recording)
    assert s3_bucket.keys() == []


def test_a_retrained_version_in_the_bucket_is_cached_locally_by_hash_and_used(
    client, administrator, patient, upload, beat_image, s3_bucket, tmp_path
):
    analysis_services.model_versions_install(activate_default=True)
    trained = copy_model(tmp_path / "trained", "ecg-cnn-retrained")
    files.model_publish(directory="ecg-cnn-r1-test", source=trained)
    assert s3_bucket.keys("models/ecg-cnn-r1-test/") == sorted(
        f"models/ecg-cnn-r1-test/{p.name}" for p in trained.iterdir()
    )
    metadata = json.loads((trained / "metadata.json").read_text())
    shutil.rmtree(trained)  # the training worker's folder is gone: only the bucket has it
    version = ModelVersion.objects.create(
        version="ecg-cnn-retrained", directory="ecg-cnn-r1-test", metadata=metadata
    )
    # Activation checks every file's hash: on the copy it fetched into the cache.
    curation.model_version_activate(version=version, by=administrator)
    cached = list(Path(settings.ECG_MODEL_CACHE_DIR).iterdir())
    assert [p.name.rsplit("-", 1)[0] for p in cached] == ["ecg-cnn-r1-test"]
    assert files.model_path("ecg-cnn-r1-test") == cached[0]
    assert not (Path(settings.ECG_MODELS_DIR) / "ecg-cnn-r1-test").exists()

    client.force_login(patient)
    analysis = upload(beat_image)
    assert analysis.status == Status.DONE, analysis.error
    assert analysis.model_version == version
    assert analysis.result["model"] == "ecg-cnn-retrained"
    # A fresh install keeps the stored version active (it is servable from the bucket).
    assert analysis_services.model_versions_install() == version


def test_publishing_a_version_twice_is_refused(s3_bucket, tmp_path):
    trained = copy_model(tmp_path, "ecg-cnn-twice")
    files.model_publish(directory="ecg-cnn-twice", source=trained)
    with pytest.raises(FileExistsError):
        files.model_publish(directory="ecg-cnn-twice", source=trained)
    files.model_unpublish("ecg-cnn-twice")
    assert not storage_api.default_storage.exists("models/ecg-cnn-twice/metadata.json")


def test_an_unreachable_bucket_releases_the_analysis_for_a_retry(
    client, patient, upload, beat_image, s3_bucket, monkeypatch
):
    from botocore.exceptions import EndpointConnectionError

    from diagnosis.services import queue

    monkeypatch.setattr(queue, "task_send", lambda *args, **kwargs: None)  # queued, not run
    client.force_login(patient)
    analysis = upload(beat_image)
    assert analysis.status == Status.QUEUED

    def unreachable(*args, **kwargs):
        raise EndpointConnectionError(endpoint_url=s3_bucket.endpoint)

    monkeypatch.setattr(S3Storage, "open", unreachable)
    with pytest.raises(EndpointConnectionError):
        analysis_services.analysis_run(analysis_id=analysis.id)
    analysis.refresh_from_db()
    assert analysis.status == Status.QUEUED and not analysis.error  # the task retries it


def test_a_candidate_whose_upload_fails_midway_leaves_nothing_in_the_bucket(s3_bucket, monkeypatch):
    from diagnosis import engine
    from diagnosis.services import training

    def trained(out_dir, **options):
        copy_model(out_dir.parent, out_dir.name)
        return {"version": out_dir.name}

    saved = []
    real_save = S3Storage.save

    def fails_on_the_second_file(self, name, content, **kwargs):
        if saved:
            raise OSError("connection reset")
        saved.append(name)
        return real_save(self, name, content, **kwargs)

    monkeypatch.setattr(engine, "train_candidate", trained)
    monkeypatch.setattr(S3Storage, "save", fails_on_the_second_file)
    with pytest.raises(OSError):
        training._train_and_publish("ecg-cnn-r9-test")
    assert saved and s3_bucket.keys() == []
