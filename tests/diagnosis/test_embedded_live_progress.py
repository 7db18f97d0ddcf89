"""Embedded mode (no broker) runs tasks on a background thread: the upload returns at once,
the result page shows the job waiting, then the same page's live fragment shows it done."""

from __future__ import annotations

import threading
import time

import pytest

from diagnosis.models import Analysis, Status
from diagnosis.services import queue

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(predicate, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.fixture
def in_background(settings):
    settings.EMBEDDED_TASKS_IN_BACKGROUND = True
    assert queue.embedded_in_background()
    yield
    queue.embedded_runners_stop()


@pytest.fixture
def held_runner(monkeypatch):
    """The runner waits for ``release.set()`` before each task, so the test sees the job
    waiting whatever the machine's speed."""
    release = threading.Event()
    original = queue._run

    def held(name, args):
        release.wait(timeout=60)
        original(name, args)

    monkeypatch.setattr(queue, "_run", held)
    return release


def test_an_upload_returns_at_once_and_the_page_follows_the_job_to_done(
    client, patient, beat_image, in_background, held_runner
):
    client.force_login(patient)
    response = client.post("/analyses/upload/", {"file": [beat_image]})
    assert response.status_code == 302
    analysis = Analysis.objects.get()
    assert analysis.status == Status.QUEUED  # the request did not run the job

    page = client.get(response.url).content.decode()
    assert "Waiting in line" in page and "hx-get" in page
    fragment_url = f"/analyses/{analysis.id}/status/"
    assert "Waiting in line" in client.get(fragment_url).content.decode()

    held_runner.set()
    wait_for(lambda: Analysis.objects.get().status == Status.DONE)
    done = client.get(fragment_url).content.decode()
    assert "hx-get" not in done and "Normal beat" in done


def test_a_failing_task_does_not_stop_the_runner(in_background, monkeypatch):
    ran = []
    original = queue._run

    def recorded(name, args):
        original(name, args)  # logs a failing task's error instead of raising
        ran.append(name)

    monkeypatch.setattr(queue, "_run", recorded)
    runner = queue._runner("tasks")
    runner.submit("diagnosis.tasks.no_such_task", ())
    runner.submit(queue.SEND_REVIEW_EMAIL, (0,))  # no such review: a quiet no-op
    wait_for(lambda: queue.SEND_REVIEW_EMAIL in ran)
    assert "diagnosis.tasks.no_such_task" in ran
    assert runner.thread.is_alive()


def test_without_background_threads_the_task_runs_in_the_request(client, patient, beat_image):
    client.force_login(patient)
    assert not queue.embedded_in_background()  # the test default
    client.post("/analyses/upload/", {"file": [beat_image]})
    assert Analysis.objects.get().status == Status.DONE
