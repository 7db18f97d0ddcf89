"""The diagnosis app's models, one module per concern; imported here so Django (and
``from diagnosis.models import X``) finds them all.

- :mod:`.analyses`: recordings (uploads), analyses (what the engine said), model versions.
- :mod:`.sharing`: shares with doctors, reviews, the access log.
- :mod:`.curation`: labelled examples, imports, audit events, training runs.
- :mod:`.batches`: the ECGs of one multi-ECG upload, for its summary page.
"""

from diagnosis.models.analyses import (
    CLASS_NAMES,
    SYMPTOMS,
    Analysis,
    AnalysisQuerySet,
    InputKind,
    ModelVersion,
    Recording,
    RecordingQuerySet,
    Status,
    recording_upload_to,
)
from diagnosis.models.batches import UploadBatch, UploadBatchItem, UploadBatchQuerySet
from diagnosis.models.curation import (
    OPEN_RUN_STATUSES,
    AuditEvent,
    ExampleSource,
    ExampleStatus,
    ImportBatch,
    LabeledExample,
    RunStatus,
    TrainingRun,
)
from diagnosis.models.maintenance import MaintenanceWindow
from diagnosis.models.sharing import (
    SHARE_DURATIONS,
    AccessLogEntry,
    AccessVia,
    Review,
    Share,
    Verdict,
)

__all__ = [
    "CLASS_NAMES",
    "OPEN_RUN_STATUSES",
    "SHARE_DURATIONS",
    "SYMPTOMS",
    "AccessLogEntry",
    "AccessVia",
    "Analysis",
    "AnalysisQuerySet",
    "AuditEvent",
    "ExampleSource",
    "ExampleStatus",
    "ImportBatch",
    "InputKind",
    "LabeledExample",
    "MaintenanceWindow",
    "ModelVersion",
    "Recording",
    "RecordingQuerySet",
    "Review",
    "RunStatus",
    "Share",
    "Status",
    "TrainingRun",
    "UploadBatch",
    "UploadBatchItem",
    "UploadBatchQuerySet",
    "Verdict",
    "recording_upload_to",
]
