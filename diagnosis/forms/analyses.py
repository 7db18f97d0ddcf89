"""Forms of a patient's own pages: the upload and the history filters."""

from __future__ import annotations

from typing import Any

from django import forms

from diagnosis import findings
from diagnosis.models import CLASS_NAMES, SYMPTOMS
from diagnosis.services.uploads import ACCEPT_ATTRIBUTE, MAX_PDF_PAGE


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files if f]


class UploadForm(forms.Form):
    """One ECG file (or a WFDB .hea + .dat or .mat pair), several, or an Apple Health
    export.zip, and the options; the content is checked by
    ``services.batches.upload_receive``."""

    file = MultipleFileField(
        label="ECG file (or several)",
        widget=MultipleFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
    )
    fs = forms.FloatField(
        label="Sampling rate (Hz), only for a CSV of bare numbers",
        required=False,
        min_value=50,
        max_value=10000,
    )
    page = forms.IntegerField(
        label="Page of a PDF with the ECG (optional)",
        help_text="For a PDF of several pages. Leave it empty and we look for the ECG.",
        required=False,
        min_value=1,
        max_value=MAX_PDF_PAGE,
    )
    symptoms = forms.MultipleChoiceField(
        label="How did you feel when you recorded? (optional)",
        choices=list(SYMPTOMS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    symptom_note = forms.CharField(
        label="In your own words (optional)", required=False, max_length=500
    )


class SymptomsForm(forms.Form):
    """What the person felt, set or changed after the upload."""

    symptoms = forms.MultipleChoiceField(
        label="How did you feel when you recorded?",
        choices=list(SYMPTOMS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    symptom_note = forms.CharField(label="In your own words", required=False, max_length=500)


class HistoryFilterForm(forms.Form):
    verdict = forms.ChoiceField(
        required=False,
        choices=[("", "All rhythms"), *findings.VERDICT_WORDS.items()],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    label = forms.ChoiceField(
        required=False,
        choices=[("", "All results")] + [(c, n) for c, n in CLASS_NAMES.items()],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    date_from = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )
    date_to = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )
    symptom = forms.ChoiceField(
        required=False,
        choices=[("", "Any symptoms"), *SYMPTOMS.items()],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
