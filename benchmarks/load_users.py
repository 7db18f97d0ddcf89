"""The locust users of ``benchmarks/load.py`` (run by locust in its own process, with gevent;
no Django here). Patients upload beat images, 30-second and 30-minute recordings and follow
each to its result, browse their history and results; doctors read their review queue.

The driver passes, in ``LOAD_USERS_FILE`` (JSON): session cookies of signed-in patients
and doctors, and the paths of the files to upload.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from pathlib import Path

from locust import HttpUser, between, events, task

CONFIG = json.loads(Path(os.environ["LOAD_USERS_FILE"]).read_text())
_patients = itertools.cycle(CONFIG["patients"])
_doctors = itertools.cycle(CONFIG["doctors"])
_upload_number = itertools.count()
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_STATUS = re.compile(r'data-status="(\w+)"')
#: Kinds of upload and how often each comes (of every 100 uploads).
KINDS = [("beat_image", 40), ("record_30s", 50), ("record_30min", 10)]


def _fire(name: str, started: float, error: Exception | None = None) -> None:
    events.request.fire(
        request_type="UPLOAD",
        name=name,
        response_time=(time.perf_counter() - started) * 1000,
        response_length=0,
        exception=error,
        context={},
    )


class Patient(HttpUser):
    weight = 9
    wait_time = between(2, 6)

    def on_start(self) -> None:
        self.client.cookies.set("sessionid", next(_patients))
        self.results: list[str] = []

    @task(3)
    def upload_and_follow(self) -> None:
        kind = random.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0]
        files = CONFIG["files"][kind]
        path = Path(files[next(_upload_number) % len(files)])
        form = self.client.get("/analyses/upload/", name="upload page")
        token = _CSRF.search(form.text or "")
        if not token:
            return
        started = time.perf_counter()
        with path.open("rb") as handle:
            response = self.client.post(
                "/analyses/upload/",
                data={"csrfmiddlewaretoken": token.group(1)},
                files={"file": (path.name, handle)},
                headers={"Referer": f"{self.host}/analyses/upload/"},
                allow_redirects=False,
                name=f"upload {kind}",
            )
        if response.status_code != 302:
            _fire(f"upload_to_result {kind}", started, RuntimeError(str(response.status_code)))
            return
        result = response.headers["Location"].rstrip("/").split("/")[-1]
        self.results.append(result)
        deadline = time.perf_counter() + 600
        while time.perf_counter() < deadline:
            status = self.client.get(f"/analyses/{result}/status/", name="result status (poll)")
            found = _STATUS.search(status.text or "")
            if found and found.group(1) in {"done", "failed"}:
                error = None if found.group(1) == "done" else RuntimeError("analysis failed")
                _fire(f"upload_to_result {kind}", started, error)
                return
            time.sleep(1.0)  # the page polls every second
        _fire(f"upload_to_result {kind}", started, TimeoutError("no result in 600 s"))

    @task(4)
    def history(self) -> None:
        self.client.get("/analyses/", name="history page")

    @task(3)
    def result(self) -> None:
        if self.results:
            self.client.get(f"/analyses/{random.choice(self.results)}/", name="result page")


class Doctor(HttpUser):
    weight = 1
    wait_time = between(3, 8)

    def on_start(self) -> None:
        self.client.cookies.set("sessionid", next(_doctors))

    @task
    def queue(self) -> None:
        self.client.get("/analyses/doctor/", name="doctor queue")
