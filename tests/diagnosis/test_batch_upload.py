"""Many ECGs at once: an Apple Health export.zip, or several files chosen together, become
one analysis per ECG and a summary page (tasks run in-process, as in embedded mode)."""

from __future__ import annotations

import html as htmllib
import io
import os
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from diagnosis.models import Analysis, Recording, Status, UploadBatch
from diagnosis.services import batches
from tests.diagnosis import ecg_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def send(client, patient, django_capture_on_commit_callbacks):
    """Post files to the upload page as the patient; returns the response, tasks run."""
    client.force_login(patient)

    def post(*files, **data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/analyses/upload/", {"file": list(files), **data})

    return post


class Api:
    """The API as the patient, uploads with their tasks run."""

    def __init__(self, patient, capture):
        self.client = APIClient()
        self.client.force_authenticate(patient)
        self.capture = capture

    def upload(self, *files, **data):
        with self.capture(execute=True):
            return self.client.post(
                "/api/v1/analyses/", {"file": list(files), **data}, format="multipart"
            )

    def get(self, url):
        return self.client.get(url)


@pytest.fixture
def api(patient, django_capture_on_commit_callbacks):
    return Api(patient, django_capture_on_commit_callbacks)


def export(ecgs=None, **kwargs) -> SimpleUploadedFile:
    data = ecg_files.apple_export_zip(ecg_files.three_apple_ecgs() if ecgs is None else ecgs)
    return SimpleUploadedFile("export.zip", data, content_type="application/zip", **kwargs)


def batch_of(response) -> UploadBatch:
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response.url.startswith("/analyses/uploads/")
    return UploadBatch.objects.get(id=response.url.rstrip("/").split("/")[-1])


def test_an_apple_export_with_three_ecgs_becomes_three_analyses_and_a_summary(client, send):
    batch = batch_of(send(export()))
    items = list(batch.items.select_related("recording"))
    assert [item.name for item in items] == [
        "ecg_2024-01-05.csv",
        "ecg_2024-01-05_1.csv",
        "ecg_2024-02-11.csv",
    ]
    assert Recording.objects.count() == 3 and Analysis.objects.count() == 3
    for item in items:
        analysis = item.recording.analyses.get()
        assert analysis.status == Status.DONE, analysis.error
        assert analysis.result["fs"] == 512 and item.recording.file_format == "csv"
    assert items[0].recorded_at.isoformat() == "2024-01-05T08:12:44+00:00"
    assert [item.device_reading for item in items] == [
        "Sinus Rhythm",
        "Sinus Rhythm",
        "Inconclusive",
    ]
    # Apple's symptoms, mapped to the site's; a blank Symptoms line sets none.
    assert [item.recording.symptoms for item in items] == ["", "palpitations", ""]

    page = client.get(f"/analyses/uploads/{batch.id}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "3 ECGs taken" in html and "Every analysis is finished" in html
    assert html.count('class="batch-line"') == 3 and "ecg_2024-02-11.csv" in html
    assert "5 Jan 2024, 09:12" in html  # as the watch showed it (+0100) and "Inconclusive" in html
    for item in items:
        assert f"/analyses/{item.recording.analyses.get().id}/" in html
    assert "hx-get" not in html  # everything finished: no more polling


def test_the_summary_follows_unfinished_analyses_live(
    client, patient, django_capture_on_commit_callbacks
):
    client.force_login(patient)
    # Without running the on-commit hooks the analyses stay queued.
    response = client.post("/analyses/upload/", {"file": [export()]})
    batch = batch_of(response)
    html = client.get(f"/analyses/uploads/{batch.id}/").content.decode()
    assert f'hx-get="/analyses/uploads/{batch.id}/status/"' in html
    assert "3 still being analysed" in html
    fragment = client.get(f"/analyses/uploads/{batch.id}/status/")
    assert fragment.status_code == 200 and 'id="batch-body"' in fragment.content.decode()
    assert "<html" not in fragment.content.decode()


def test_an_apple_export_through_the_api_lists_the_analyses_and_the_batch(api):
    response = api.upload(export())
    assert response.status_code == 202, response.content
    body = response.json()
    # Answered before the analyses run: all three queued.
    assert body["counts"] == {"new": 3, "duplicate": 0, "rejected": 0, "waiting": 3}
    assert body["finished"] is False and body["sent"] == "export.zip"
    assert {item["analysis"]["status"] for item in body["items"]} == {"queued"}
    assert body["page"].endswith(f"/analyses/uploads/{body['id']}/")
    assert [item["outcome"] for item in body["items"]] == ["new"] * 3
    assert body["items"][0]["recorded"].startswith("2024-01-05T08:12:44")
    assert body["items"][2]["device_reading"] == "Inconclusive"
    ids = {item["analysis"]["id"] for item in body["items"]}
    assert ids == {str(a.id) for a in Analysis.objects.all()}

    detail = api.get(body["url"])
    assert detail.status_code == 200 and detail.json()["finished"] is True
    assert {item["analysis"]["status"] for item in detail.json()["items"]} == {"done"}
    poll = api.get(body["items"][0]["analysis"]["url"]).json()
    assert poll["status"] == "done" and poll["result"]["fs"] == 512


def test_one_bad_csv_among_three_gives_two_analyses_and_one_rejection(client, send):
    ecgs = ecg_files.three_apple_ecgs()
    ecgs["ecg_2024-01-05_1.csv"] = b"Name,Jane\nRecorded Date,2024-01-05 18:40:02 +0100\n\nhello\n"
    batch = batch_of(send(export(ecgs)))
    assert Recording.objects.count() == 2
    assert all(a.status == Status.DONE for a in Analysis.objects.all())
    html = htmllib.unescape(client.get(f"/analyses/uploads/{batch.id}/").content.decode())
    assert "2 ECGs taken" in html and "1 not taken" in html
    assert html.count('class="list-group-item batch-rejection"') == 1
    rejection = batch.items.get(name="ecg_2024-01-05_1.csv")
    assert rejection.recording is None and rejection.error
    assert rejection.error in html


def test_the_same_export_again_links_to_the_earlier_results(client, send, api):
    first = batch_of(send(export()))
    again = api.upload(export())
    assert again.status_code == 200
    body = again.json()
    assert [item["outcome"] for item in body["items"]] == ["duplicate"] * 3
    assert Recording.objects.count() == 3 and Analysis.objects.count() == 3
    earlier = {str(item.recording.analyses.get().id) for item in first.items.all()}
    assert {item["analysis"]["id"] for item in body["items"]} == earlier
    html = client.get(body["page"]).content.decode()
    assert "3 uploaded before" in html and "not analysed again" in html


def test_several_files_chosen_at_once_are_one_analysis_each(send, tmp_path):
    header, data = ecg_files.wfdb_files()
    batch = batch_of(
        send(
            SimpleUploadedFile("a.csv", ecg_files.apple_watch_csv("2024-03-01 10:00:00 +0000")),
            SimpleUploadedFile("mitdb_100_excerpt.hea", header),
            SimpleUploadedFile("beat.png", ecg_files.beat_png("N")),
            SimpleUploadedFile("mitdb_100_excerpt.dat", data),
            SimpleUploadedFile("b.zip", ecg_files.wfdb_zip(ecg_files.PVC_EXCERPT)),
        )
    )
    items = list(batch.items.select_related("recording"))
    # The .hea and .dat of one record are one ECG (listed after the single files).
    assert [(item.name, item.recording.file_format) for item in items] == [
        ("a.csv", "csv"),
        ("beat.png", "png"),
        ("b.zip", "wfdb-zip"),
        ("mitdb_100_excerpt (WFDB)", "wfdb-zip"),
    ]
    assert batch.source == "5 files"
    assert all(item.recording.analyses.get().status == Status.DONE for item in items)


def test_a_signal_file_without_its_header_is_refused_alone(send):
    _, data = ecg_files.wfdb_files()
    batch = batch_of(
        send(
            SimpleUploadedFile("a.csv", ecg_files.apple_watch_csv()),
            SimpleUploadedFile("lonely.dat", data),
        )
    )
    refused = batch.items.get(name="lonely.dat")
    assert "needs its .hea header" in refused.error
    assert Recording.objects.count() == 1


def test_one_file_alone_still_goes_straight_to_its_result(send):
    response = send(SimpleUploadedFile("ecg_2024-01-05.csv", ecg_files.apple_watch_csv()))
    assert response.status_code == 302 and not response.url.startswith("/analyses/uploads/")
    assert not UploadBatch.objects.exists()


def test_the_upload_limits_count_each_ecg_and_say_which_were_not_taken(client, send, settings):
    settings.UPLOADS_PER_HOUR = 2
    batch = batch_of(send(export()))
    assert [item.outcome for item in batch.items.all()] == ["new", "new", "rejected"]
    html = client.get(f"/analyses/uploads/{batch.id}/").content.decode()
    assert "2 ECGs taken" in html and "1 not taken" in html
    assert "in the last hour" in html and "ecg_2024-02-11.csv" in html
    # Nothing left: new ECGs are refused, with the reason.
    more = {
        f"ecg_2024-03-0{n}.csv": ecg_files.apple_watch_csv(f"2024-03-0{n} 10:00:00 +0000")
        for n in (1, 2)
    }
    again = client.post("/analyses/upload/", {"file": [export(more)]})
    assert again.status_code == 400 and "in the last hour" in again.content.decode()


def test_symptoms_ticked_for_several_ecgs_are_refused(send):
    response = send(export(), symptoms=["palpitations"])
    assert response.status_code == 400
    assert "How you felt describes one recording" in response.content.decode()
    assert not Recording.objects.exists()


def test_when_nothing_can_be_taken_each_reason_is_given_and_nothing_is_kept(send, api):
    response = send(
        SimpleUploadedFile("a.csv", b"Dear doctor,\nplease look.\n"),
        SimpleUploadedFile("b.png", b"not a picture"),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "None of the 2 ECGs could be taken" in html and "a.csv" in html and "b.png" in html
    assert not Recording.objects.exists() and not UploadBatch.objects.exists()
    assert api.upload(SimpleUploadedFile("b.png", b"not a picture")).status_code == 400


def test_apple_header_lines_are_read_from_the_head_only(tmp_path):
    path = tmp_path / "ecg.csv"
    path.write_bytes(
        ecg_files.apple_watch_csv(
            classification="Atrial Fibrillation",
            symptoms='"Rapid, pounding, or fluttering heartbeat, Chest tightness or pain, Fatigue"',
        )
    )
    header = batches.apple_header(path)
    assert header.reading == "Atrial Fibrillation"
    assert header.symptoms == ["palpitations", "chest_pain", "tired"]
    assert header.recorded_at is not None and header.recorded_at.utcoffset().seconds == 3600
    path.write_bytes(b"time,MLII\n0,0.1\n")
    assert batches.apple_header(path) == batches.AppleHeader()


# --- Zip safety ----------------------------------------------------------------------------


def refused(response) -> str:
    assert response.status_code == 400, response.status_code
    assert not Recording.objects.exists() and not UploadBatch.objects.exists()
    return response.content.decode()


def test_a_zip_with_a_path_that_climbs_out_is_refused(send):
    data = ecg_files.apple_export_zip(
        ecg_files.three_apple_ecgs(),
        extra={"apple_health_export/electrocardiograms/../../../etc/ecg.csv": b"1\n"},
    )
    html = refused(send(SimpleUploadedFile("export.zip", data)))
    assert "unsafe path" in html


def test_a_zip_with_too_many_ecgs_is_refused(send, monkeypatch):
    monkeypatch.setattr(batches, "MAX_BATCH_ECGS", 2)
    html = refused(send(export()))
    assert "holds 3 ECGs; at most 2 are taken at once" in html


def test_a_whole_folder_chosen_at_once_reaches_the_upload_checks(send, monkeypatch):
    """Django refuses more than 100 files by default; a folder of ECGs may hold more."""
    monkeypatch.setattr(batches, "MAX_BATCH_ECGS", 2)
    files = [SimpleUploadedFile(f"ecg_{n}.csv", b"1\n") for n in range(150)]
    assert "That is 150 ECGs; at most 2 are taken at once" in refused(send(*files))


def test_an_oversized_member_is_refused_and_the_others_are_taken(send, monkeypatch):
    ecgs = ecg_files.three_apple_ecgs()
    monkeypatch.setattr(batches, "MAX_MEMBER_BYTES", len(ecgs["ecg_2024-02-11.csv"]) - 1)
    batch = batch_of(send(export(ecgs)))
    outcome = {item.name: item.outcome for item in batch.items.all()}
    assert outcome["ecg_2024-02-11.csv"] == "rejected"
    assert "too large for an Apple Watch ECG" in batch.items.get(name="ecg_2024-02-11.csv").error
    assert list(outcome.values()).count("new") == 2


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(send):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("electrocardiograms/ecg_2024-01-05.csv", b"0" * (4 * 1024 * 1024))
    html = refused(send(SimpleUploadedFile("export.zip", buffer.getvalue())))
    assert "possible zip bomb" in html


def test_an_export_over_the_size_limit_is_refused_with_what_to_upload_instead(send, settings):
    settings.MAX_UPLOAD_MB = 1
    padding = {"apple_health_export/workout-routes/route.gpx": os.urandom(1_200_000)}
    data = ecg_files.apple_export_zip(ecg_files.three_apple_ecgs(), extra=padding)
    html = refused(send(SimpleUploadedFile("export.zip", data)))
    assert "electrocardiograms folder" in html
    settings.MAX_REQUEST_BYTES = 1024  # larger still: refused before Django reads it
    response = send(SimpleUploadedFile("export.zip", data))
    assert response.status_code == 413 and "electrocardiograms folder" in response.content.decode()


def test_the_upload_page_says_an_apple_export_or_several_files_can_be_sent(client, patient):
    client.force_login(patient)
    html = client.get("/analyses/upload/").content.decode()
    assert "export.zip" in html and "several files" in html and "multiple" in html
