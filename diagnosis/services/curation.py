"""Curation services (administrators only): review labelled examples, import labelled
archives, activate model versions (promote or roll back). Every action writes an
``AuditEvent``; training runs are in :mod:`diagnosis.services.training`.

A training run never changes the active model: its candidate is registered inactive, and
only :func:`model_version_activate` (an administrator's explicit action) switches it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from diagnosis import engine
from diagnosis.models import (
    CLASS_NAMES,
    AuditEvent,
    ExampleSource,
    ExampleStatus,
    ImportBatch,
    LabeledExample,
    ModelVersion,
)

log = logging.getLogger(__name__)


# --- Audit ---------------------------------------------------------------------------------


def audit_log(
    *, actor: User | None, action: str, target: str = "", details: dict[str, Any] | None = None
) -> AuditEvent:
    """Record who did what (``action`` like ``examples.approve``) to what, now."""
    return AuditEvent.objects.create(
        actor=actor,
        actor_email=(actor.email or actor.sign_in_name) if actor is not None else "",
        action=action,
        target=target[:255],
        details=details or {},
    )


# --- Reviewing examples --------------------------------------------------------------------


@transaction.atomic
def examples_decide(*, ids: list[int], action: str, by: User, label: str | None = None) -> int:
    """Approve, reject or relabel examples in bulk. Returns how many changed.

    ``relabel`` sets ``label`` (one of the 8 codes) and approves, since the administrator has
    just said what the beat is.
    """
    if action not in {"approve", "reject", "relabel"}:
        raise ValidationError("Choose approve, reject or relabel.")
    if action == "relabel" and label not in CLASS_NAMES:
        raise ValidationError("Choose the class to relabel the examples as.")
    examples = list(LabeledExample.objects.select_for_update().filter(id__in=ids).order_by("id"))
    if not examples:
        raise ValidationError("Select at least one example.")
    now = timezone.now()
    changes: list[dict[str, Any]] = []
    for example in examples:
        before = {"status": example.status, "label": example.label}
        if action == "approve":
            example.status = ExampleStatus.APPROVED
        elif action == "reject":
            example.status = ExampleStatus.REJECTED
        else:
            example.label = str(label)
            example.status = ExampleStatus.APPROVED
        example.reviewed_by = by
        example.reviewed_at = now
        changes.append({"id": example.id, "before": before, "label": example.label})
    LabeledExample.objects.bulk_update(examples, ["status", "label", "reviewed_by", "reviewed_at"])
    audit_log(
        actor=by,
        action=f"examples.{action}",
        target=f"{len(examples)} example(s)",
        details={"label": label, "examples": changes[:500]},
    )
    return len(examples)


# --- Import --------------------------------------------------------------------------------


def examples_import(
    *, path: Path, original_name: str, by: User, approve: bool = False
) -> ImportBatch:
    """Import a labeled zip (beat images in class folders, or WFDB records with .atr).

    Examples come in as pending (or approved when ``approve``: the administrator vouches for
    the whole archive). Duplicates, of earlier imports or inside the archive, are refused by
    content hash. Returns the batch with its report.
    Raises:
        ValidationError: the archive as a whole is unusable (damaged, unsafe, bad layout).
    """
    try:
        parsed = engine.parse_import(path)
    except engine.InputError as exc:
        audit_log(
            actor=by,
            action="import.refuse",
            target=original_name,
            details={"reason": str(exc)},
        )
        raise ValidationError(str(exc)) from exc
    return _import_store(
        parsed=parsed,
        archive_sha256=engine.file_sha256(path),
        original_name=original_name,
        by=by,
        approve=approve,
    )


@transaction.atomic
def _import_store(
    *, parsed: Any, archive_sha256: str, original_name: str, by: User, approve: bool
) -> ImportBatch:
    status = ExampleStatus.APPROVED if approve else ExampleStatus.PENDING
    batch = ImportBatch.objects.create(
        created_by=by,
        original_name=original_name[:255],
        sha256=archive_sha256,
        kind=parsed.kind,
        status_on_import=status,
    )
    refused = list(parsed.refused)
    existing = dict(
        LabeledExample.objects.filter(
            source=ExampleSource.IMPORT, sha256__in=[item.sha256 for item in parsed.items]
        ).values_list("sha256", "id")
    )
    taken: dict[str, int] = {}
    stored_files: list[str] = []
    now = timezone.now()
    try:
        for item in parsed.items:
            if item.sha256 in existing:
                refused.append(
                    {
                        "name": item.name,
                        "reason": f"duplicate of example #{existing[item.sha256]}",
                    }
                )
                continue
            example = LabeledExample(
                source=ExampleSource.IMPORT,
                status=status,
                label=item.label,
                created_by=by,
                window=item.window,
                sha256=item.sha256,
                holdout=item.holdout,
                import_batch=batch,
                reviewed_by=by if approve else None,
                reviewed_at=now if approve else None,
            )
            example.image.save(f"{item.sha256[:32]}.png", ContentFile(item.png), save=False)
            stored_files.append(example.image.name or "")
            example.save()
            existing[item.sha256] = example.id
            taken[item.label] = taken.get(item.label, 0) + 1
    except Exception:
        storage = LabeledExample._meta.get_field("image").storage
        for name in stored_files:
            storage.delete(name)
        raise
    batch.n_taken = sum(taken.values())
    batch.n_refused = len(refused)
    batch.report = {"taken": taken, "refused": refused[:2000]}
    batch.save(update_fields=["n_taken", "n_refused", "report"])
    audit_log(
        actor=by,
        action="import.create",
        target=f"import #{batch.pk} ({original_name})",
        details={"taken": taken, "refused": len(refused), "status": status},
    )
    return batch


# --- Model versions ------------------------------------------------------------------------


#: How much lower than the active model's a candidate's DS2 benchmark figures may be (absolute)
#: for it to be promoted without an override.
PROMOTION_TOLERANCE: dict[str, float] = {
    "accuracy": 0.01,
    "S_se": 0.03,
    "S_ppv": 0.03,
    "V_se": 0.02,
    "V_ppv": 0.02,
}


def _benchmark(version: ModelVersion) -> dict[str, float] | None:
    """A version's headline DS2 figures, a figure never measured counting as 0."""
    figures = version.ds2_headline()
    if figures is None:
        return None
    return {key: value or 0.0 for key, value in figures.items()}


def promotion_problems(*, candidate: ModelVersion, active: ModelVersion | None) -> list[str]:
    """Why ``candidate`` may not replace ``active`` without an override: no benchmark, or a
    DS2 figure lower than the active model's by more than :data:`PROMOTION_TOLERANCE`. Empty:
    it may. A version that was active before (a rollback) is never held back."""
    if candidate.activated_at is not None or active is None:
        return []
    theirs = _benchmark(candidate)
    if theirs is None:
        return ["it has no DS2 benchmark result (a small test run)"]
    ours = _benchmark(active)
    if ours is None:
        return []
    names = {"accuracy": "AAMI accuracy", "S_se": "S sensitivity", "S_ppv": "S PPV"}
    names |= {"V_se": "V sensitivity", "V_ppv": "V PPV"}
    return [
        f"{names[key]} {theirs[key]:.3f} against {ours[key]:.3f} (more than {tolerance:g} lower)"
        for key, tolerance in PROMOTION_TOLERANCE.items()
        if theirs[key] < ours[key] - tolerance
    ]


@transaction.atomic
def model_version_activate(
    *, version: ModelVersion, by: User, override_reason: str = ""
) -> ModelVersion:
    """Make ``version`` the active model (promote a candidate, or roll back to any earlier
    version): one transaction switches ``is_active``; workers load it on their next job.
    Its files are hash-checked first. A candidate worse than the active model on the fixed
    benchmark (:func:`promotion_problems`) goes live only with ``override_reason``, kept in
    the audit log.
    Raises:
        ValidationError: the model's files are missing or changed, or it is worse and no
            reason was given.
    """
    try:
        engine.verify_model(version.directory)
    except Exception as exc:
        raise ValidationError(f"{version.version} cannot be activated: {exc}") from exc
    problems = promotion_problems(candidate=version, active=ModelVersion.objects.active())
    if problems and not override_reason.strip():
        raise ValidationError(
            f"{version.version} is worse than the active model on the DS2 benchmark: "
            + "; ".join(problems)
            + ". To promote it anyway, give a reason and confirm."
        )
    current = list(ModelVersion.objects.select_for_update().filter(is_active=True))
    target = ModelVersion.objects.select_for_update().get(pk=version.pk)
    if target.is_active:
        raise ValidationError(f"{target.version} is already the active model.")
    previous = current[0] if current else None
    ModelVersion.objects.filter(is_active=True).update(is_active=False)
    target.is_active = True
    target.activated_at = timezone.now()
    target.save(update_fields=["is_active", "activated_at"])
    kind = (
        "rollback"
        if previous is not None and target.created_at < previous.created_at
        else "promote"
    )
    if kind == "rollback" and previous is not None:
        # Results it made are flagged on their pages, with a way to analyse them again.
        ModelVersion.objects.filter(pk=previous.pk).update(withdrawn_at=target.activated_at)
    if target.withdrawn_at is not None:
        ModelVersion.objects.filter(pk=target.pk).update(withdrawn_at=None)
    details: dict[str, Any] = {"from": previous.version if previous else None}
    details["to"] = target.version
    if problems:
        details |= {"override_reason": override_reason.strip()[:1000], "problems": problems}
    audit_log(
        actor=by,
        action=f"model.{kind}" + ("_override" if problems else ""),
        target=target.version,
        details=details,
    )
    return target
