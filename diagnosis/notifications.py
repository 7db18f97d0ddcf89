"""Emails for sharing and reviews, through Django's mail API (console backend in
development, SMTP from the environment). They carry counts and links, never health data:
email is not a private channel."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import User
from diagnosis.models import Review

SUBJECT_PREFIX = "[ECG screening] "


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def doctor_digest_email(*, doctor: User, counts: list[tuple[User, int]]) -> None:
    """The doctor's digest: how many new uploads each sharing patient made."""
    total = sum(count for _, count in counts)
    body = render_to_string(
        "doctors/email/digest.txt",
        {
            "doctor": doctor,
            "counts": counts,
            "total": total,
            "url": _absolute(reverse("diagnosis:doctor_queue")),
        },
    )
    subject = f"{SUBJECT_PREFIX}{total} new upload{'s' if total != 1 else ''} to review"
    if doctor.email:  # always, for a doctor (doctor_application_submit asks for one)
        send_mail(subject, body, None, [doctor.email])


def review_written_email(*, review: Review) -> None:
    """Tell the patient that a doctor wrote a review of one of their results."""
    patient = review.analysis.recording.owner
    body = render_to_string(
        "doctors/email/review_written.txt",
        {
            "patient": patient,
            "review": review,
            "url": _absolute(reverse("diagnosis:result", args=[review.analysis_id])),
        },
    )
    if not patient.email:
        return  # an account made with a mobile number only: the result page shows the review
    send_mail(f"{SUBJECT_PREFIX}A doctor reviewed your ECG result", body, None, [patient.email])
