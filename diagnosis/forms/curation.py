"""Forms of the curation pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from diagnosis.models import CLASS_NAMES, ExampleSource, ExampleStatus

CLASS_CHOICES = [(code, f"{code}: {name}") for code, name in CLASS_NAMES.items()]
#: Largest labeled archive accepted (MB).
MAX_IMPORT_MB = 256


class ExampleFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *ExampleStatus.choices], required=False)
    label = forms.ChoiceField(choices=[("", "Any class"), *CLASS_CHOICES], required=False)
    source = forms.ChoiceField(choices=[("", "Any source"), *ExampleSource.choices], required=False)
    split = forms.ChoiceField(
        choices=[("", "Training and held out"), ("train", "Training"), ("holdout", "Held out")],
        required=False,
    )


class BulkDecisionForm(forms.Form):
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=[], required=True)
    action = forms.ChoiceField(
        choices=[("approve", "Approve"), ("reject", "Reject"), ("relabel", "Relabel")]
    )
    label = forms.ChoiceField(choices=[("", "—"), *CLASS_CHOICES], required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any example id may be posted; the service checks they exist.
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        ids = self.fields["ids"]
        assert isinstance(ids, forms.TypedMultipleChoiceField)
        ids.choices = [(v, v) for v in raw if str(v).isdigit()]


class ImportForm(forms.Form):
    archive = forms.FileField(
        help_text="A .zip of beat images in class folders (train/<CLASS>/*.png, "
        "test/<CLASS>/*.png) or of WFDB records with .atr annotations."
    )
    approve = forms.BooleanField(
        required=False,
        label="Approve on import (I vouch for these labels); otherwise they wait for review",
    )

    def clean_archive(self) -> Any:
        archive = self.cleaned_data["archive"]
        limit = min(MAX_IMPORT_MB, getattr(settings, "MAX_UPLOAD_MB", MAX_IMPORT_MB) * 4)
        if archive.size > limit * 1024 * 1024:
            raise forms.ValidationError(f"The archive is larger than {limit} MB.")
        return archive


class TrainingStartForm(forms.Form):
    small = forms.BooleanField(
        required=False,
        label="Small run (a few hundred beats, no DS2 benchmark): a quick check",
    )
    epochs = forms.IntegerField(
        min_value=1,
        max_value=100,
        required=False,
        help_text="Default: 16 for a full run, 1 for a small run.",
    )
