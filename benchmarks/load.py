"""Load: many people at once on the production shape, bounded and on loopback only.

gunicorn (3 workers) + 2 inference workers (one task at a time each) + PostgreSQL + Redis;
locust (``benchmarks/load_users.py``) drives patients uploading beat images, 30-second and
30-minute recordings and following them to the result, browsing history and results, and
doctors reading their queue, in steps of users (default 10, 50, 200; 60 s each).

Usage (needs PostgreSQL, Redis and the MIT-BIH records; use a Redis database of its own,
its queues are purged):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecgsite_load \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/10 \\
    .venv/bin/python benchmarks/load.py [--steps 10,50,200] [--seconds 60]

Writes ``benchmarks/load.json`` and the ``load`` section of ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import cast

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]
from web_speed import MITDB, beat_image, services_missing  # noqa: E402

from diagnosis.ml.evaluate import update_section  # noqa: E402

RECORDS = ["100", "101", "103", "105", "106", "112", "113", "115", "116", "117"]
PATIENTS, DOCTORS = 200, 20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_files(folder: Path) -> dict[str, list[str]]:
    """Distinct files of each kind (distinct content, so no upload is a duplicate)."""
    import wfdb

    out: dict[str, list[str]] = {"beat_image": [], "record_30s": [], "record_30min": []}
    for i in range(60):
        path = folder / f"beat-{i}.png"
        path.write_bytes(beat_image(i * 7))
        out["beat_image"].append(str(path))
    signal = wfdb.rdrecord(str(MITDB / "100"), channels=[0]).p_signal[:, 0]
    for i in range(120):  # 30 s at 360 Hz from a different start each time
        start = i * 3600
        path = folder / f"ecg-30s-{i}.csv"
        values = "\n".join(f"{v:.3f}" for v in signal[start : start + 30 * 360])
        path.write_text(f"# fs = 360\nMLII (mV)\n{values}\n")
        out["record_30s"].append(str(path))
    for i in range(40):
        name = RECORDS[i % len(RECORDS)]
        path = folder / f"{name}-{i}.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.comment = f"load upload {i}".encode()
            for ext in ("hea", "dat"):
                zf.write(MITDB / f"{name}.{ext}", f"{name}.{ext}")
        out["record_30min"].append(str(path))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="10,50,200")
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    missing = services_missing()
    if missing:
        print(f"error: {missing}", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="ecg-load-"))
    os.environ.update(
        MEDIA_ROOT=str(work / "media"),
        VAR_DIR=str(work / "var"),
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECRET_KEY=os.environ.get("SECRET_KEY") or "benchmark-only-secret-key",
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        UPLOADS_PER_HOUR="100000",
        UPLOADS_PER_DAY="100000",
        DJANGO_SETTINGS_MODULE="ecgsite.settings",
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from ecgsite.celery import app

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    app.control.purge()
    from tests.e2e.worker import CeleryWorker, database_url

    env = os.environ | {"DATABASE_URL": database_url()}
    call_command("collectstatic", interactive=False, verbosity=0)
    port = free_port()
    processes: list[subprocess.Popen] = []
    workers: list[CeleryWorker] = []
    try:
        workers = [
            CeleryWorker({"DATABASE_URL": env["DATABASE_URL"]}, prefix=f"load-{i}")
            for i in range(2)
        ]
        web = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "ecgsite.wsgi", "--workers", "3"),
                *("--bind", f"127.0.0.1:{port}", "--timeout", "60", "--log-level", "warning"),
            ],
            cwd=ROOT,
            env=env,
        )
        processes.append(web)
        return run(args, work, port, env)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=20)
        for worker in workers:
            worker.stop()
        app.control.purge()
        connection.creation.destroy_test_db(old_name, verbosity=0)


def users(work: Path) -> Path:
    """Signed-in patients and doctors (session cookies), and the files they upload."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.test import Client

    from accounts.models import User
    from diagnosis.models import Share
    from diagnosis.services.analyses import model_versions_install
    from tests.factories import DoctorFactory

    model_versions_install()

    def session(user: User) -> str:
        client = Client()
        client.force_login(user)
        return client.cookies["sessionid"].value

    patients, doctors = [], []
    doctor_users = []
    for i in range(DOCTORS):
        doctor = cast(User, DoctorFactory(email=f"dr{i}@example.org", full_name=f"Doctor {i}"))
        TOTP.activate(doctor, generate_totp_secret())
        doctor_users.append(doctor)
        doctors.append(session(doctor))
    for i in range(PATIENTS):
        patient = User.objects.create_user(f"p{i}@example.org", "load-password-123")
        EmailAddress.objects.create(user=patient, email=patient.email, verified=True, primary=True)
        Share.objects.create(patient=patient, doctor=doctor_users[i % DOCTORS])
        patients.append(session(patient))
    files_dir = work / "files"
    files_dir.mkdir()
    config = {"patients": patients, "doctors": doctors, "files": make_files(files_dir)}
    path = work / "users.json"
    path.write_text(json.dumps(config))
    return path


def _queue_depth(stop: threading.Event, samples: list[int]) -> None:
    import redis

    client = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    while not stop.wait(1.0):
        samples.append(int(client.llen("inference")))


def run(args: argparse.Namespace, work: Path, port: int, env: dict[str, str]) -> int:
    from diagnosis.models import Analysis

    users_file = users(work)
    host = f"http://127.0.0.1:{port}"
    steps = []
    for count in [int(n) for n in args.steps.split(",")]:
        prefix = work / f"step-{count}"
        depth: list[int] = []
        stop = threading.Event()
        sampler = threading.Thread(target=_queue_depth, args=(stop, depth), daemon=True)
        sampler.start()
        began = time.time()
        subprocess.run(
            [
                *(sys.executable, "-m", "locust", "-f", str(ROOT / "benchmarks" / "load_users.py")),
                *("--headless", "-u", str(count), "-r", str(max(1, count // 10))),
                *("-t", f"{args.seconds}s", "--host", host, "--csv", str(prefix)),
                *("--only-summary", "--loglevel", "WARNING", "--stop-timeout", "30"),
            ],
            cwd=ROOT,
            env=env | {"LOAD_USERS_FILE": str(users_file)},
            check=False,
        )
        ended = time.time()
        stop.set()
        steps.append(step_results(count, prefix, depth, began, ended, Analysis))
    results = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "shape": "gunicorn 3 workers, 2 inference workers (1 task each), PostgreSQL, Redis",
        "seconds_per_step": args.seconds,
        "steps": steps,
        "service_time_s": service_times(Analysis),
    }
    (ROOT / "benchmarks" / "load.json").write_text(json.dumps(results, indent=2) + "\n")
    write_markdown(results)
    print(json.dumps(results, indent=2))
    return 0


def step_results(count, prefix, depth, began, ended, analysis_model) -> dict:
    rows = list(csv.DictReader(io.StringIO(Path(f"{prefix}_stats.csv").read_text())))
    by_name = {row["Name"]: row for row in rows}

    def row(name: str) -> dict:
        r = by_name.get(name)
        if not r or not int(r["Request Count"]):
            return {"n": 0}
        return {
            "n": int(r["Request Count"]),
            "errors": int(r["Failure Count"]),
            "p50_ms": float(r["50%"]),
            "p95_ms": float(r["95%"]),
            "p99_ms": float(r["99%"]),
        }

    from datetime import UTC, datetime

    start, end = datetime.fromtimestamp(began, UTC), datetime.fromtimestamp(ended, UTC)
    runs = analysis_model.objects.filter(started_at__lt=end, finished_at__gt=start)
    busy = sum((min(a.finished_at, end) - max(a.started_at, start)).total_seconds() for a in runs)
    total = by_name.get("Aggregated", {})
    return {
        "users": count,
        "requests_per_s": float(total.get("Requests/s", 0) or 0),
        "requests": int(total.get("Request Count", 0) or 0),
        "errors": int(total.get("Failure Count", 0) or 0),
        "pages": {
            n: row(n) for n in ("history page", "result page", "doctor queue", "upload page")
        },
        "upload_to_result": {
            kind: row(f"upload_to_result {kind}")
            for kind in ("beat_image", "record_30s", "record_30min")
        },
        "queue_depth_max": max(depth, default=0),
        "queue_depth_end": depth[-1] if depth else 0,
        "worker_utilisation": round(busy / (2 * (ended - began)), 3),
        "analyses_done": analysis_model.objects.filter(
            finished_at__gte=start, finished_at__lt=end, status="done"
        ).count(),
    }


def service_times(analysis_model) -> dict:
    """Mean time a worker spends on one analysis of each kind (claim to result)."""
    out = {}
    for kind, where in (
        ("beat_image", {"recording__kind": "beat_image"}),
        ("record_30s", {"recording__original_name__endswith": ".csv"}),
        ("record_30min", {"recording__original_name__endswith": ".zip"}),
    ):
        spans = [
            (a.finished_at - a.started_at).total_seconds()
            for a in analysis_model.objects.filter(status="done", **where)
        ]
        out[kind] = {"n": len(spans), "mean": sum(spans) / len(spans) if spans else None}
    return out


def write_markdown(r: dict) -> None:
    def ms(entry: dict) -> str:
        if not entry.get("n"):
            return "-"
        return f"{entry['p50_ms']:.0f} / {entry['p95_ms']:.0f} / {entry['p99_ms']:.0f}"

    lines = [
        "| users | req/s | errors | history p50/p95/p99 ms | result page | doctor queue "
        "| upload→result beat image | 30 s record | 30 min record | queue max | workers busy |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in r["steps"]:
        u = s["upload_to_result"]
        lines.append(
            f"| {s['users']} | {s['requests_per_s']:.1f} | {s['errors']} | "
            f"{ms(s['pages']['history page'])} | {ms(s['pages']['result page'])} | "
            f"{ms(s['pages']['doctor queue'])} | {ms(u['beat_image'])} | {ms(u['record_30s'])} | "
            f"{ms(u['record_30min'])} | {s['queue_depth_max']} | "
            f"{s['worker_utilisation']:.0%} |"
        )
    saturated = next(
        (
            s
            for s in r["steps"]
            if s["queue_depth_max"] > 10 or s["pages"]["history page"].get("p95_ms", 0) > 1000
        ),
        None,
    )
    if saturated is None:
        where = "No step saturated the set-up."
    else:
        where = (
            f"It saturates first at {saturated['users']} users: the inference workers are busy "
            f"{saturated['worker_utilisation']:.0%} of the time with up to "
            f"{saturated['queue_depth_max']} jobs waiting, and pages slow down with them because "
            "locust, gunicorn, the workers and PostgreSQL share the same 2 cores: the limit here "
            "is CPU. Requests that failed: "
            f"{saturated['errors']}."
        )
    service = r["service_time_s"]
    mean = {k: v["mean"] for k, v in service.items() if v["mean"]}
    per_worker = ", ".join(f"{k} {1 / v:.1f}/s" for k, v in mean.items())
    mix = {"beat_image": 0.4, "record_30s": 0.5, "record_30min": 0.1}
    mixed = sum(mix[k] * mean.get(k, 0.0) for k in mix)
    # One upload per active user every 5 minutes (an assumption, stated).
    need = 10_000 / 300 * mixed
    section = f"""## Load: many people at once

{r["shape"]}, on this machine ({r["machine"]}), loopback only; locust in its own process on
the same 2 cores. {r["seconds_per_step"]} s per step. Patients (9 in 10 users) upload (40 %
beat images, 50 % 30-second recordings, 10 % 30-minute records) and follow each to its
result, browse history and results; doctors (1 in 10) read their queue. Times are
p50 / p95 / p99 in ms; upload→result is from the upload request to the page seeing `done`
(it polls every second, as the result page does).

{chr(10).join(lines)}

{where}

Measured worker time per analysis (claim to result, mean): {", ".join(f"{k} {v:.2f} s" for k, v in mean.items())};
so one inference worker (one core) finishes about {per_worker}. With the mix above, an
upload costs {mixed:.2f} s of worker time on average: if each of 10,000 people active at a
time uploads once every 5 minutes (an assumption), that is {10_000 / 300:.0f} uploads/s and
about {need:.0f} worker cores for inference, plus the web tier and the database.

Reproduce: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecgsite_load CELERY_BROKER_URL=redis://127.0.0.1:6379/10 .venv/bin/python benchmarks/load.py`"""
    update_section(ROOT / "benchmarks" / "RESULTS.md", "load", section)


if __name__ == "__main__":
    sys.exit(main())
