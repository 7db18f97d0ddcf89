"""Site speed with the production shape: upload-to-result latency through a real Celery
worker, Redis and PostgreSQL, and the history page for a user with 1,000 analyses.

Usage (needs PostgreSQL, Redis and the MIT-BIH records in $ECG_MITDB_DIR, default
../shared/data/mitdb):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecgsite_ci \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/0 \\
    .venv/bin/python benchmarks/web_speed.py [--images 30] [--records 5]

It creates and drops its own database (``test_<name>``), starts one worker process
(`--pool solo`, one task at a time, as the end-to-end tests do: ``tests/e2e/worker.py``), and
writes ``benchmarks/web_speed.json`` and the ``web`` section of ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MITDB = Path(os.environ.get("ECG_MITDB_DIR") or ROOT.parent / "shared" / "data" / "mitdb")
RECORDS = ["100", "101", "103", "105", "106", "112", "113", "115"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def beat_image(offset: int) -> bytes:
    """A distinct classic beat plot (a different beat of record 100 each time)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import wfdb

    record = wfdb.rdrecord(str(MITDB / "100"), channels=[0], sampfrom=0, sampto=120_000)
    ann = wfdb.rdann(str(MITDB / "100"), "atr", sampto=120_000)
    beats = [s for s, sym in zip(ann.sample, ann.symbol, strict=True) if sym == "N" and s > 100]
    sample = beats[offset % len(beats)]
    beat = record.p_signal[sample - 90 : sample + 162, 0]
    fig = plt.figure(figsize=(1.28, 1.28), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.plot(beat, color="black", linewidth=1.0)
    ax.axis("off")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()


def record_zip(name: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for ext in ("hea", "dat"):
            zf.write(MITDB / f"{name}.{ext}", f"{name}.{ext}")
    return buffer.getvalue()


def services_missing() -> str:
    """Why the production-shape benchmarks (this one, ``chaos.py``, ``load.py``) cannot run
    here; empty when PostgreSQL, Redis and the MIT-BIH records are all set."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get(
        "CELERY_BROKER_URL", ""
    ).startswith("redis"):
        return "set DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis)"
    if not (MITDB / "100.hea").is_file():
        return f"the MIT-BIH records are missing ({MITDB})"
    return ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=30)
    parser.add_argument("--records", type=int, default=5)
    parser.add_argument("--history-rows", type=int, default=1000)
    args = parser.parse_args()

    missing = services_missing()
    if missing:
        print(f"error: {missing}", file=sys.stderr)
        return 2

    media = tempfile.mkdtemp(prefix="ecg-bench-media-")
    os.environ.update(
        MEDIA_ROOT=media,
        ALLOWED_HOSTS="testserver,localhost",
        SECRET_KEY=os.environ.get("SECRET_KEY") or "benchmark-only-secret-key",
        DJANGO_SETTINGS_MODULE="ecgsite.settings",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    # The test client speaks plain HTTP and collectstatic has not run: plain static names.
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = settings.STORAGES | {
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    }
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    from tests.e2e.worker import CeleryWorker, database_url

    try:
        # The broker, upload folder and secret come from this process's environment.
        worker = CeleryWorker({"DATABASE_URL": database_url()}, prefix="bench")
        try:
            return run(args, Client)
        finally:
            worker.stop()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(args: argparse.Namespace, client_class: type) -> int:
    from allauth.account.models import EmailAddress
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import User
    from diagnosis.models import Analysis, Recording
    from diagnosis.services.analyses import model_versions_install

    model_version = model_versions_install()
    user = User.objects.create_user("bench@example.org", "bench-password-123")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client = client_class()
    client.force_login(user)

    def upload_and_wait(name: str, data: bytes, timeout: float = 120) -> tuple[float, dict]:
        started = time.perf_counter()
        response = client.post(
            reverse("diagnosis:upload"), {"file": SimpleUploadedFile(name, data)}
        )
        assert response.status_code == 302, response.content[:500]
        analysis_id = response.url.rstrip("/").split("/")[-1]
        while time.perf_counter() - started < timeout:
            status = Analysis.objects.values_list("status", flat=True).get(id=analysis_id)
            if status in {"done", "failed"}:
                elapsed = time.perf_counter() - started
                analysis = Analysis.objects.get(id=analysis_id)
                assert status == "done", analysis.error
                return elapsed, analysis.timings
            time.sleep(0.005)
        raise TimeoutError(f"{name} not done in {timeout} s")

    upload_and_wait("warmup.png", beat_image(10_000))  # the worker loads the model here
    image_times = [upload_and_wait(f"b{i}.png", beat_image(i))[0] for i in range(args.images)]
    record_runs = [upload_and_wait(f"{r}.zip", record_zip(r)) for r in RECORDS[: args.records]]
    record_times = [t for t, _ in record_runs]

    # History: a user with N finished analyses (rows written directly, files not needed).
    reader = User.objects.create_user("history@example.org", "bench-password-123")
    summary = {
        "n_beats": 2000,
        "counts": {"NOR": 1900, "PVC": 100},
        "burden": {"NOR": 0.95, "PVC": 0.05},
    }
    recordings = Recording.objects.bulk_create(
        Recording(
            owner=reader,
            file=f"recordings/x/{i}.zip",
            kind="record",
            file_format="wfdb-zip",
            original_name=f"{i}.zip",
            size_bytes=1,
            sha256=f"{i:064x}",
        )
        for i in range(args.history_rows)
    )
    Analysis.objects.bulk_create(
        Analysis(
            recording=r,
            status="done",
            label="PVC" if i % 7 == 0 else "NOR",
            confidence=0.9,
            model_version=model_version,
            finished_at=timezone.now(),
            result={"input": "record", "summary": summary, "beats": []},
            summary=summary,
        )
        for i, r in enumerate(recordings)
    )
    # Production tables are analysed by autovacuum; rows inserted in bulk a moment ago are not.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE diagnosis_analysis; ANALYZE diagnosis_recording;")
    history_client = client_class()
    history_client.force_login(reader)
    history_times = []
    for i in range(60):
        url = reverse("diagnosis:history") + ("?label=PVC" if i % 3 == 0 else f"?page={1 + i % 10}")
        started = time.perf_counter()
        assert history_client.get(url).status_code == 200
        history_times.append(time.perf_counter() - started)
    history_times = history_times[10:]  # the first requests warm caches and connections

    results = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "model": model_version.version,
        "beat_image_upload_to_result_s": {
            "n": len(image_times),
            "p50": statistics.median(image_times),
            "p95": percentile(image_times, 95),
        },
        "record_30min_upload_to_result_s": {
            "n": len(record_times),
            "p50": statistics.median(record_times),
            "p95": percentile(record_times, 95),
            "worker_classify_s_p50": statistics.median(t["classify_s"] for _, t in record_runs),
            "worker_read_s_p50": statistics.median(t["read_s"] for _, t in record_runs),
        },
        "history_page_s": {
            "rows": args.history_rows,
            "n": len(history_times),
            "p50": statistics.median(history_times),
            "p95": percentile(history_times, 95),
        },
    }
    (ROOT / "benchmarks" / "web_speed.json").write_text(json.dumps(results, indent=2) + "\n")
    write_markdown(results)
    print(json.dumps(results, indent=2))
    return 0


def write_markdown(r: dict) -> None:
    from diagnosis.ml.evaluate import update_section

    img, rec, hist = (
        r["beat_image_upload_to_result_s"],
        r["record_30min_upload_to_result_s"],
        r["history_page_s"],
    )

    def ok(value: float, goal: float) -> str:
        return "met" if value <= goal else "NOT met"

    section = f"""## Site: upload to result, history page

One Celery worker (`--pool solo`), Redis, PostgreSQL, on this machine ({r["machine"]});
model `{r["model"]}`. Upload-to-result is measured from the upload request to the moment the
database says `done` (validation, storage, queueing, the worker's run and the result write).

| measure | n | p50 | p95 | goal (p95) | |
|---|---|---|---|---|---|
| beat image, upload to result | {img["n"]} | {img["p50"]:.3f} s | {img["p95"]:.3f} s | ≤ 1 s | {ok(img["p95"], 1.0)} |
| 30-min 2-lead record (MIT-BIH), upload to result | {rec["n"]} | {rec["p50"]:.2f} s | {rec["p95"]:.2f} s | ≤ 6 s | {ok(rec["p95"], 6.0)} |
| history page, user with {hist["rows"]} analyses | {hist["n"]} | {hist["p50"] * 1000:.1f} ms | {hist["p95"] * 1000:.1f} ms | ≤ 100 ms | {ok(hist["p95"], 0.1)} |

Inside the worker, a 30-min record takes {rec["worker_read_s_p50"]:.2f} s to read and
{rec["worker_classify_s_p50"]:.2f} s to classify (medians).

Reproduce: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecgsite_ci CELERY_BROKER_URL=redis://127.0.0.1:6379/0 .venv/bin/python benchmarks/web_speed.py`"""
    update_section(ROOT / "benchmarks" / "RESULTS.md", "web", section)


if __name__ == "__main__":
    sys.exit(main())
