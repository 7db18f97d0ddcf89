from __future__ import annotations

from typing import Any

from django import forms

from specialists.models import Specialty
from specialists.services import CityCentre


class DirectorySearchForm(forms.Form):
    """The directory's filters. Every field is optional; bad values are simply ignored."""

    q = forms.CharField(label="Name or clinic", required=False, max_length=100)
    specialty = forms.ChoiceField(
        label="Specialty", required=False, choices=[("", "Any specialty"), *Specialty.choices]
    )
    city = forms.CharField(label="City", required=False, max_length=100)
    near = forms.ChoiceField(label="Sort by distance from a city", required=False)
    # Filled in by the "Use my location" button, rounded in the browser to about 1 km.
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)

    def __init__(self, *args: Any, cities: list[CityCentre], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cities = {centre.label: centre for centre in cities}
        self.fields["near"].choices = [  # type: ignore[attr-defined]
            ("", "Choose a city"),
            *((label, label) for label in self.cities),
        ]
        self.fields["q"].widget.attrs.update(placeholder="e.g. Heart Clinic", autocomplete="off")
        self.fields["city"].widget.attrs.update(list="directory-cities", autocomplete="off")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # A location is a pair: one coordinate alone is dropped.
        if (data.get("lat") is None) != (data.get("lon") is None):
            data["lat"] = data["lon"] = None
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
