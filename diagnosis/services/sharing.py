"""Writes for sharing, doctors' reviews (and the labelled examples they make), and the
emails about them. Views, tasks and commands call these; reads live in
``diagnosis.selectors.sharing``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import DoctorProfile, User
from diagnosis import findings
from diagnosis.models import (
    CLASS_NAMES,
    SHARE_DURATIONS,
    Analysis,
    ExampleSource,
    ExampleStatus,
    InputKind,
    LabeledExample,
    Review,
    Share,
    Status,
    Verdict,
)
from diagnosis.services import queue

log = logging.getLogger(__name__)


# --- Sharing -----------------------------------------------------------------------------


def invitation_code_normalize(code: str) -> str:
    """What a person typed -> the stored form: capitals, no spaces or dashes."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def share_doctor_find(*, doctor_id: Any = None, invitation_code: str = "") -> User:
    """The approved doctor a patient chose, by id or by invitation code."""
    if doctor_id is None:
        code = invitation_code_normalize(invitation_code)
        profile = (
            DoctorProfile.objects.select_related("user").filter(invitation_code=code).first()
            if code
            else None
        )
        if profile is None:
            raise ValidationError("No doctor has this invitation code. Check it and try again.")
        doctor_id = profile.user_id
    doctor = User.objects.approved_doctors().filter(pk=doctor_id).first()
    if doctor is None:
        raise ValidationError("You can only share with an approved doctor.")
    return doctor


@transaction.atomic
def share_create(
    *,
    patient: User,
    doctor: User | None = None,
    invitation_code: str = "",
    analysis: Analysis | None = None,
    duration: str = "revoked",
) -> Share:
    """A patient shares all their results, or one (``analysis``), with an approved doctor
    chosen directly or by invitation code, for a time from ``SHARE_DURATIONS``.

    Sharing the same thing with the same doctor again sets the new end time on the active
    share; a share whose time ran out is closed and a new one opened.
    """
    patient = User.objects.select_for_update().get(pk=patient.pk)
    if not patient.is_patient:
        raise ValidationError("Only patients can share their results.")
    if duration not in SHARE_DURATIONS:
        raise ValidationError("Choose how long to share for.")
    if analysis is not None and analysis.recording.owner_id != patient.pk:
        raise ValidationError("You can only share your own results.")
    doctor = share_doctor_find(
        doctor_id=doctor.pk if doctor is not None else None, invitation_code=invitation_code
    )
    now = timezone.now()
    length = SHARE_DURATIONS[duration][1]
    expires_at = now + length if length is not None else None

    open_share = Share.objects.open().filter(patient=patient, doctor=doctor, analysis=analysis)
    share = open_share.first()
    if share is not None and not share.is_active:  # its time ran out: close it
        share.revoked_at = share.expires_at
        share.save(update_fields=["revoked_at"])
        share = None
    if share is None:
        return Share.objects.create(
            patient=patient, doctor=doctor, analysis=analysis, expires_at=expires_at
        )
    share.expires_at = expires_at
    share.save(update_fields=["expires_at"])
    return share


@transaction.atomic
def share_revoke(*, share: Share, by: User) -> Share:
    """The patient ends a share. The doctor's access ends with this transaction."""
    share = Share.objects.select_for_update().get(pk=share.pk)
    if by.pk != share.patient_id:
        raise ValidationError("Only the patient who shared can revoke the share.")
    if share.revoked_at is None:
        share.revoked_at = timezone.now()
        share.save(update_fields=["revoked_at"])
    return share


# --- Reviews -----------------------------------------------------------------------------


def _clean_label(label: str, *, beat: bool = False) -> str:
    """A class code; for one beat also "not a beat" or "noise" (``reviewed``)."""
    if label not in CLASS_NAMES and not (beat and label in findings.NON_BEAT_CORRECTIONS):
        raise ValidationError(f"Unknown class {label!r}.")
    return label


def _clean_rhythm(analysis: Analysis, rhythm: str) -> str:
    """The doctor's rhythm verdict for a record with one; empty keeps the model's (a beat
    picture has none)."""
    if not analysis.verdict:
        if rhythm:
            raise ValidationError("This result has no rhythm to read.")
        return ""
    if not rhythm:
        return analysis.verdict
    if rhythm not in findings.VERDICT_WORDS:
        raise ValidationError(f"Unknown rhythm {rhythm!r}.")
    return rhythm


@transaction.atomic
def review_submit(
    *,
    analysis: Analysis,
    doctor: User,
    label: str,
    note: str = "",
    beat_labels: dict[int, str] | None = None,
    rhythm: str = "",
) -> Review:
    """A doctor with an active share confirms or corrects an analysis.

    ``label`` is the doctor's class for the analysis; ``rhythm`` the doctor's verdict on a
    record's rhythm (empty: as before, else the model's); ``beat_labels`` maps beat sample
    indices (of a record) to the doctor's class for beats the doctor looked at: a class
    different from the model's is a correction, the model's own class removes an earlier
    correction, beats not mentioned keep what the review said before. Every correction
    becomes a pending ``LabeledExample`` (one per analysis or beat and doctor); a
    correction taken back withdraws its pending example. The patient is emailed once the
    transaction commits.
    """
    analysis = Analysis.objects.select_for_update().select_related("recording").get(pk=analysis.pk)
    if (
        not doctor.is_doctor
        or not Analysis.objects.shared_with(doctor).filter(pk=analysis.pk).exists()
    ):
        raise ValidationError("Only a doctor the patient shares this result with can review.")
    if analysis.recording.owner_id == doctor.pk:
        raise ValidationError("Doctors do not review their own uploads.")
    if analysis.status != Status.DONE:
        raise ValidationError("Only a finished analysis can be reviewed.")
    label = _clean_label(label)

    review = Review.objects.filter(analysis=analysis, doctor=doctor).first()
    rhythm = _clean_rhythm(analysis, rhythm or (review.rhythm if review else ""))
    corrections: dict[int, dict[str, Any]] = {
        int(c["sample"]): c for c in (review.beat_corrections if review else [])
    }
    if beat_labels:
        if analysis.recording.kind != InputKind.RECORD:
            raise ValidationError("Only a recording has beats to correct.")
        fs = float((analysis.result or {}).get("fs") or 1.0)
        model_beats = {int(b["sample"]): b["label"] for b in (analysis.result or {})["beats"]}
        for sample, beat_label in beat_labels.items():
            if sample not in model_beats:
                raise ValidationError(f"There is no beat at sample {sample}.")
            beat_label = _clean_label(beat_label, beat=True)
            if beat_label == model_beats[sample]:
                corrections.pop(sample, None)
            else:
                corrections[sample] = {
                    "sample": sample,
                    "t": round(sample / fs, 2),  # seconds into the recording, for people
                    "model_label": model_beats[sample],
                    "label": beat_label,
                }
    corrected = label != analysis.label or rhythm != analysis.verdict or bool(corrections)
    if review is None:
        review = Review(analysis=analysis, doctor=doctor)
    review.model_label = analysis.label
    review.label = label
    review.rhythm = rhythm
    review.verdict = Verdict.CORRECTED if corrected else Verdict.CONFIRMED
    review.beat_corrections = [corrections[s] for s in sorted(corrections)]
    review.note = note.strip()
    review.full_clean()
    review.save()

    # Training examples are beats of a class; "noise" and "not a beat" are not.
    wanted: dict[int | None, str] = {
        s: c["label"] for s, c in corrections.items() if c["label"] in CLASS_NAMES
    }
    if label != analysis.label:
        wanted[None] = label
    _labeled_examples_sync(analysis=analysis, doctor=doctor, wanted=wanted)

    review_id = review.pk
    transaction.on_commit(lambda: _review_email_send(review_id=review_id))
    return review


def _labeled_examples_sync(
    *, analysis: Analysis, doctor: User, wanted: dict[int | None, str]
) -> None:
    """Make this doctor's pending examples for the analysis match ``wanted`` (sample or None
    -> label). Curated (approved or rejected) examples are never touched."""
    pending = LabeledExample.objects.filter(
        analysis=analysis,
        created_by=doctor,
        source=ExampleSource.DOCTOR_CORRECTION,
        status=ExampleStatus.PENDING,
    )
    existing = {example.beat_sample: example for example in pending}
    for sample, example in existing.items():
        if sample not in wanted:
            example.delete()
        elif example.label != wanted[sample]:
            example.label = wanted[sample]
            example.save(update_fields=["label"])
    LabeledExample.objects.bulk_create(
        LabeledExample(
            source=ExampleSource.DOCTOR_CORRECTION,
            status=ExampleStatus.PENDING,
            label=beat_label,
            analysis=analysis,
            beat_sample=sample,
            created_by=doctor,
        )
        for sample, beat_label in wanted.items()
        if sample not in existing
    )


def _review_email_send(*, review_id: int) -> None:
    try:
        queue.task_send(queue.SEND_REVIEW_EMAIL, review_id)
    except Exception:  # a broker that is down must not turn a saved review into an error
        log.warning("could not queue the review email for review %s", review_id, exc_info=True)


# --- Notifications -----------------------------------------------------------------------


def doctor_digests_send(*, now: Any = None) -> int:
    """Email each doctor the uploads of sharing patients made since their last digest.

    Each share remembers up to when it was announced, so a digest is never sent twice for
    the same upload, and a share's first digest announces the history shared so far. The
    email holds counts and a link, never health data. Returns the number of emails sent.
    """
    from diagnosis import notifications

    now = now or timezone.now()
    sent = 0
    doctor_ids = (
        Share.objects.active()
        .filter(doctor__in=User.objects.approved_doctors())
        .values_list("doctor_id", flat=True)
        .distinct()
    )
    for doctor_id in list(doctor_ids):
        with transaction.atomic():
            shares = list(
                Share.objects.active_for(doctor_id)
                .select_for_update()
                .select_related("patient", "doctor")
            )
            if not shares:
                continue
            counts: list[tuple[User, int]] = []
            sharing_all = {share.patient_id for share in shares if share.analysis_id is None}
            for share in shares:
                if share.analysis_id is not None and share.patient_id in sharing_all:
                    count = 0  # the patient's share of everything announces it
                else:
                    count = _digest_count(share, now=now)
                if count:
                    counts.append((share.patient, count))
                share.digest_sent_until = now
                share.save(update_fields=["digest_sent_until"])
            if counts:
                notifications.doctor_digest_email(doctor=shares[0].doctor, counts=counts)
                sent += 1
    return sent


def _digest_count(share: Share, *, now: Any) -> int:
    """How many of the uploads a share covers the doctor has not been told about."""
    uploads = Analysis.objects.filter(created_at__lte=now).filter(
        Q(recording__owner_id=share.patient_id)
        if share.analysis_id is None
        else Q(pk=share.analysis_id)
    )
    if share.digest_sent_until is not None:
        uploads = uploads.filter(created_at__gt=share.digest_sent_until)
    return uploads.count()


def review_email_send(*, review_id: int) -> bool:
    """Tell the patient a doctor reviewed one of their results (a link, no health data)."""
    from diagnosis import notifications

    review = (
        Review.objects.select_related("analysis__recording__owner", "doctor")
        .filter(pk=review_id)
        .first()
    )
    if review is None:
        return False
    notifications.review_written_email(review=review)
    return True
