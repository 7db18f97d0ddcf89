from __future__ import annotations

from typing import Any

from rest_framework import serializers

from diagnosis.models import SYMPTOMS, Analysis
from diagnosis.services.uploads import MAX_PDF_PAGE


class AnalysisSerializer(serializers.ModelSerializer):
    created = serializers.DateTimeField(source="created_at", read_only=True)
    finished = serializers.DateTimeField(source="finished_at", read_only=True)
    error = serializers.SerializerMethodField()
    model = serializers.CharField(source="model_version.version", default=None, read_only=True)
    kind = serializers.CharField(source="recording.kind", read_only=True)
    file_name = serializers.CharField(source="recording.original_name", read_only=True)
    label_name = serializers.CharField(read_only=True)
    verdict_name = serializers.CharField(read_only=True)
    symptoms = serializers.SerializerMethodField(
        help_text="What the person felt when recording (codes)."
    )
    symptom_note = serializers.CharField(source="recording.symptom_note", read_only=True)
    review = serializers.SerializerMethodField(
        help_text="The latest doctor's review (null: not reviewed): the doctor's label, "
        "per-beat corrections and note."
    )
    reviewed_result = serializers.SerializerMethodField(
        help_text="`result` with the review applied (the labels people read); null when "
        "there is no review. `result` stays the model's own output."
    )
    url = serializers.HyperlinkedIdentityField(
        view_name="api:analysis-detail", lookup_field="id", read_only=True
    )

    class Meta:
        model = Analysis
        fields = [
            "id",
            "url",
            "status",
            "created",
            "finished",
            "kind",
            "file_name",
            "label",
            "label_name",
            "verdict",
            "verdict_name",
            "confidence",
            "model",
            "result",
            "symptoms",
            "symptom_note",
            "review",
            "reviewed_result",
            "error",
        ]
        read_only_fields = fields

    def get_error(self, analysis: Analysis) -> str | None:
        return analysis.error or None

    def get_symptoms(self, analysis: Analysis) -> list[str]:
        return analysis.recording.symptoms.split()

    def get_review(self, analysis: Analysis) -> dict[str, Any] | None:
        review = analysis.latest_review
        if review is None:
            return None
        return {
            "label": review.label,
            "label_name": review.label_name,
            "model_label": review.model_label,
            "rhythm": review.rhythm or None,
            "doctor": review.doctor.get_full_name(),
            "reviewed": review.updated_at.isoformat(),
            "beat_corrections": review.beat_corrections,
            "note": review.note,
        }

    def get_reviewed_result(self, analysis: Analysis) -> dict[str, Any] | None:
        from diagnosis.selectors.analyses import shown

        view = shown(analysis)
        return view.result if view.review is not None else None


class UploadSerializer(serializers.Serializer):
    """The upload's shape; its content is checked by ``services.uploads.recording_create``
    (the same service as the page)."""

    file = serializers.ListField(
        child=serializers.FileField(),
        help_text="The ECG file; send `file` twice for a WFDB .hea + .dat (or .mat). Several "
        "ECGs at once: send `file` once per file, or an Apple Health export.zip (each ECG in "
        "its electrocardiograms folder is analysed; the answer is their batch).",
    )
    fs = serializers.FloatField(
        required=False,
        allow_null=True,
        min_value=50,
        max_value=10000,
        help_text="Sampling rate (Hz) for a CSV of bare samples.",
    )
    page = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_PDF_PAGE,
        help_text="For a PDF of several pages: the page with the ECG (1 = the first). "
        "Empty: the best of the first pages is read.",
    )
    symptoms = serializers.ListField(
        child=serializers.ChoiceField(choices=list(SYMPTOMS.items())),
        required=False,
        help_text="How the person felt when recording (send `symptoms` once per symptom).",
    )
    symptom_note = serializers.CharField(required=False, allow_blank=True, max_length=500)
