"""The load of ``benchmarks/chaos.py``: patients uploading recordings over HTTP and following
each to its result as the result page does, and a probe reading the history page. Django-free
(it talks to the site only over HTTP)."""

from __future__ import annotations

import io
import re
import threading
import time
import zipfile
from collections import Counter

from web_speed import MITDB

RECORDS = ["100", "101", "103", "105", "106", "112", "113", "115", "116", "117", "121", "122"]
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_STATUS = re.compile(r'data-status="(\w+)"')
_ID = re.compile(r"/analyses/([0-9a-f-]{36})/")


class Uploads:
    """The files patients upload: each one distinct (no upload is a duplicate of another)."""

    def __init__(self) -> None:
        import wfdb

        self._signal = wfdb.rdrecord(str(MITDB / "100"), channels=[0]).p_signal[:, 0]
        self._count = 0
        self._lock = threading.Lock()

    def next(self) -> tuple[str, bytes]:
        with self._lock:
            self._count += 1
            index = self._count
        if index % 2:
            name = RECORDS[index % len(RECORDS)]
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
                zf.comment = f"chaos upload {index}".encode()
                for ext in ("hea", "dat"):
                    zf.write(MITDB / f"{name}.{ext}", f"{name}.{ext}")
            return f"{name}.zip", buffer.getvalue()
        start = (index * 360) % (len(self._signal) - 30 * 360)  # a different second each time
        values = "\n".join(f"{v:.3f}" for v in self._signal[start : start + 30 * 360])
        return f"ecg-{index}.csv", f"# fs = 360\nMLII (mV)\n{values}\n".encode()


class Load:
    """Patients uploading and following their uploads, and a probe reading a page."""

    def __init__(self, host: str, sessions: list[str], uploads: Uploads) -> None:
        self.host, self.sessions, self.uploads = host, sessions, uploads
        self.stop = threading.Event()
        self.accepted: dict[str, float] = {}  # analysis id -> when the upload was accepted
        self.statuses: Counter[str] = Counter()  # every answer the clients and probe got
        self.refused = 0  # uploads answered "temporarily unavailable" (retried)
        self.probe: list[tuple[float, str]] = []
        self._lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self._patient, args=(s,), daemon=True) for s in sessions
        ]
        self.threads.append(threading.Thread(target=self._probe, daemon=True))

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def _session(self, cookie: str):
        import requests

        session = requests.Session()
        session.cookies.set("sessionid", cookie)
        return session

    def _get(self, session, path: str):
        import requests

        try:
            response = session.get(self.host + path, timeout=30, allow_redirects=False)
        except requests.RequestException:
            self._count("no answer")
            return None
        self._count(str(response.status_code))
        return response

    def _count(self, status: str) -> None:
        with self._lock:
            self.statuses[status] += 1

    def _patient(self, cookie: str) -> None:
        import requests

        session = self._session(cookie)
        pending: tuple[str, bytes] | None = None
        while not self.stop.is_set():
            form = self._get(session, "/analyses/upload/")
            token = _CSRF.search(form.text) if form is not None and form.ok else None
            if token is None:
                self.stop.wait(2.0)
                continue
            name, data = pending or self.uploads.next()
            try:
                response = session.post(
                    self.host + "/analyses/upload/",
                    data={"csrfmiddlewaretoken": token.group(1)},
                    files={"file": (name, data)},
                    headers={"Referer": self.host + "/analyses/upload/"},
                    allow_redirects=False,
                    timeout=60,
                )
            except requests.RequestException:
                self._count("no answer")
                pending = (name, data)  # the person tries the same file again
                self.stop.wait(2.0)
                continue
            self._count(str(response.status_code))
            found = _ID.search(response.headers.get("Location", ""))
            if response.status_code != 302 or not found:
                if response.status_code == 503:
                    with self._lock:
                        self.refused += 1
                pending = (name, data)
                self.stop.wait(float(response.headers.get("Retry-After") or 5))
                continue
            pending = None
            with self._lock:
                self.accepted.setdefault(found.group(1), time.time())
            self._follow(session, found.group(1))
            self.stop.wait(1.0)

    def _follow(self, session, analysis_id: str) -> None:
        """Poll the status as the result page does, until the end or the load stops."""
        while not self.stop.is_set():
            status = self._get(session, f"/analyses/{analysis_id}/status/")
            found = _STATUS.search(status.text) if status is not None and status.ok else None
            if found and found.group(1) in {"done", "failed"}:
                return
            self.stop.wait(1.0)

    def _probe(self) -> None:
        session = self._session(self.sessions[0])
        while not self.stop.is_set():
            response = self._get(session, "/analyses/")
            self.probe.append((time.time(), str(response.status_code) if response else "none"))
            self.stop.wait(0.25)
