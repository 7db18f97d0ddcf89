from __future__ import annotations

from typing import Any

from django import forms

from specialists.models import Specialty


class DirectorySearchForm(forms.Form):
    """The directory's one search form. Every field is optional; bad values are ignored."""

    near = forms.CharField(label="Near (city or town)", required=False, max_length=100)
    q = forms.CharField(label="Name or clinic", required=False, max_length=100)
    specialty = forms.ChoiceField(
        label="Specialty", required=False, choices=[("", "Any specialty"), *Specialty.choices]
    )
    # Filled in by the "Use my location" button, rounded in the browser to about 1 km.
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    # Links made before "near" replaced the city filter (``?city=Lyon``) mean "near Lyon".
    city = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # A location is a pair: one coordinate alone is dropped.
        if (data.get("lat") is None) != (data.get("lon") is None):
            data["lat"] = data["lon"] = None
        data["near"] = (data.get("near") or data.get("city") or "").strip()
        return data


class SpecialistImportForm(forms.Form):
    file = forms.FileField(label="CSV file (UTF-8)")
    partial = forms.BooleanField(
        label="Import the good rows even if some rows have problems", required=False
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError("The file is larger than 5 MB; split it.")
        return upload
