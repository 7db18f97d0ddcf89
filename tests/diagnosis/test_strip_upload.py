"""A photo or PDF of an ECG strip is accepted, digitized, and shown next to its trace."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from diagnosis.models import Analysis, Status
from tests.ml import strip_render
from tests.ml.engine_helpers import load_excerpt

pytestmark = pytest.mark.django_db


def _strip_bytes(fmt: str) -> bytes:
    signal, fs, _, _ = load_excerpt("mitdb_100_302760")
    img, _ = strip_render.render_strip(signal[: int(10 * fs)], fs, px_per_mm=8)
    photo = strip_render.degrade(img, rotate_deg=2.0) if fmt == "JPEG" else img
    buf = io.BytesIO()
    photo.save(buf, format=fmt)
    return buf.getvalue()


def test_a_strip_photo_is_digitized_and_shown_next_to_the_trace(client, patient, upload):
    client.force_login(patient)
    photo = SimpleUploadedFile("strip.jpg", _strip_bytes("JPEG"), content_type="image/jpeg")
    analysis = upload(photo)
    analysis.refresh_from_db()
    assert analysis.status == Status.DONE, analysis.error
    assert analysis.recording.kind == "record"
    assert analysis.recording.file_format == "jpeg"
    result = analysis.result
    assert result["input"] == "record" and result["digitized"]["grid"] is True
    assert len(result["beats"]) >= 10
    assert analysis.trace  # the digitized signal is the display trace
    html = client.get(f"/analyses/{analysis.id}/").content.decode()
    assert 'id="strip-original"' in html
    assert "25 mm/s (the usual speed, assumed)" in html  # no speed is printed on this strip
    assert f"/analyses/{analysis.id}/file/?inline=1" in html
    assert 'id="trace-chart"' in html
    picture = client.get(f"/analyses/{analysis.id}/file/?inline=1")
    assert picture.status_code == 200
    assert "attachment" not in picture.get("Content-Disposition", "")
    trace = client.get(f"/analyses/{analysis.id}/trace.json?start=0&seconds=10").json()
    assert len(trace["values"]) > 100 and trace["beats"]


def test_a_strip_pdf_is_accepted_and_offered_as_a_download(client, patient, upload):
    client.force_login(patient)
    pdf = SimpleUploadedFile("strip.pdf", _strip_bytes("PDF"), content_type="application/pdf")
    analysis = upload(pdf)
    analysis.refresh_from_db()
    assert analysis.status == Status.DONE, analysis.error
    assert analysis.recording.file_format == "pdf"
    html = client.get(f"/analyses/{analysis.id}/").content.decode()
    assert "Download the PDF you uploaded" in html
    download = client.get(f"/analyses/{analysis.id}/file/?inline=1")
    assert "attachment" in download["Content-Disposition"]


def test_the_upload_page_lists_strip_pictures_and_pdf(client, patient):
    client.force_login(patient)
    html = client.get("/analyses/upload/").content.decode()
    assert ".pdf" in html and "ECG strip" in html


def test_a_12_lead_printout_is_read_from_its_rhythm_strip_and_says_so(client, patient, upload):
    import wfdb

    from tests.ml import printout_render

    rec = wfdb.rdrecord(str(printout_render.FIXTURE))
    leads = printout_render.twelve_from_two(rec.p_signal[:, 0], rec.p_signal[:, 1])
    img, _ = printout_render.render_printout(leads, float(rec.fs), layout="3x4+1", gain=5.0)
    buf = io.BytesIO()
    img.save(buf, format="BMP")
    client.force_login(patient)
    analysis = upload(SimpleUploadedFile("ecg.bmp", buf.getvalue(), content_type="image/bmp"))
    analysis.refresh_from_db()
    assert analysis.status == Status.DONE, analysis.error
    assert analysis.recording.file_format == "bmp"
    digitized = analysis.result["digitized"]
    assert digitized["layout"] == "3x4+1" and digitized["lead"] == "II"
    assert analysis.result["rhythm"]["verdict"] == "normal"
    html = client.get(f"/analyses/{analysis.id}/").content.decode()
    assert 'id="strip-choice"' in html and "(lead II)" in html
    assert "rhythm strip at the bottom" in html
    assert "5 mm/mV (from the calibration pulse printed on the page)" in html
    assert "25 mm/s (read from the speed printed on the page)" in html
    picture = client.get(f"/analyses/{analysis.id}/file/?inline=1")
    assert picture.status_code == 200


def test_an_iphone_heic_photo_of_a_12_lead_printout_is_read(client, patient, upload):
    """iPhones save photos as HEIC; pillow-heif decodes them in the worker. The result page
    links to the file instead of showing it (most browsers cannot show HEIC)."""
    import pillow_heif
    import wfdb

    from tests.ml import printout_render

    pillow_heif.register_heif_opener()
    rec = wfdb.rdrecord(str(printout_render.FIXTURE))
    leads = printout_render.twelve_from_two(rec.p_signal[:, 0], rec.p_signal[:, 1])
    img, _ = printout_render.render_printout(leads, float(rec.fs), layout="3x4+1")
    buf = io.BytesIO()
    img.save(buf, format="HEIF", quality=90)
    client.force_login(patient)
    analysis = upload(
        SimpleUploadedFile("IMG_0042.HEIC", buf.getvalue(), content_type="image/heic")
    )
    analysis.refresh_from_db()
    assert analysis.status == Status.DONE, analysis.error
    assert analysis.recording.file_format == "heic"
    assert analysis.result["digitized"]["lead"] == "II"
    assert analysis.result["rhythm"]["verdict"] == "normal"
    html = client.get(f"/analyses/{analysis.id}/").content.decode()
    assert "Download the picture you uploaded" in html and "?inline=1" not in html


def _two_page_pdf() -> bytes:
    """A cover page with no ECG, then the strip (as a hospital's report often is)."""
    from PIL import Image

    strip = Image.open(io.BytesIO(_strip_bytes("PNG"))).convert("RGB")
    cover = Image.new("RGB", strip.size, (255, 255, 255))
    buf = io.BytesIO()
    cover.save(buf, format="PDF", save_all=True, append_images=[strip])
    return buf.getvalue()


def test_the_person_chooses_the_pdf_page_with_the_ecg(client, patient, upload):
    client.force_login(patient)
    data = _two_page_pdf()
    chosen = upload(SimpleUploadedFile("report.pdf", data), page=2)
    chosen.refresh_from_db()
    assert chosen.status == Status.DONE, chosen.error
    assert chosen.recording.pdf_page == 2 and chosen.result["digitized"]["page"] == 1
    assert "(page 2 was read)" in client.get(f"/analyses/{chosen.id}/").content.decode()

    cover = upload(SimpleUploadedFile("report.pdf", data), page=1)  # another page: new result
    cover.refresh_from_db()
    assert cover.id != chosen.id and cover.status == Status.FAILED
    assert "No ECG trace" in cover.error

    missing = upload(SimpleUploadedFile("report.pdf", data), page=5)
    missing.refresh_from_db()
    assert missing.status == Status.FAILED
    assert missing.error == "The PDF has 2 page(s); page 5 does not exist."


def test_a_page_number_is_only_for_a_pdf(client, patient):
    client.force_login(patient)
    png = SimpleUploadedFile("strip.png", _strip_bytes("PNG"))
    response = client.post("/analyses/upload/", {"file": [png], "page": 2})
    assert response.status_code == 400
    assert "only for a PDF" in response.content.decode()
    assert not Analysis.objects.exists()
