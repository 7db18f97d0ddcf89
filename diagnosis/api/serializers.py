from __future__ import annotations

from rest_framework import serializers

from diagnosis.models import Analysis


class AnalysisSerializer(serializers.ModelSerializer):
    created = serializers.DateTimeField(source="created_at", read_only=True)
    finished = serializers.DateTimeField(source="finished_at", read_only=True)
    error = serializers.SerializerMethodField()
    model = serializers.CharField(source="model_version.version", default=None, read_only=True)
    kind = serializers.CharField(source="recording.kind", read_only=True)
    file_name = serializers.CharField(source="recording.original_name", read_only=True)
    label_name = serializers.CharField(read_only=True)
    verdict_name = serializers.CharField(read_only=True)
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
            "error",
        ]
        read_only_fields = fields

    def get_error(self, analysis: Analysis) -> str | None:
        return analysis.error or None


class UploadSerializer(serializers.Serializer):
    """The upload's shape; its content is checked by ``services.uploads.recording_create``
    (the same service as the page)."""

    file = serializers.ListField(
        child=serializers.FileField(),
        help_text="The ECG file; send `file` twice for a WFDB .hea + .dat (or .mat).",
    )
    fs = serializers.FloatField(
        required=False,
        allow_null=True,
        min_value=50,
        max_value=10000,
        help_text="Sampling rate (Hz) for a CSV of bare samples.",
    )
