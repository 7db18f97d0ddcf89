"""Forms for sharing, the review queue filters and a doctor's review."""

from __future__ import annotations

from django import forms

from diagnosis import reviewed
from diagnosis.models import CLASS_NAMES
from diagnosis.selectors.sharing import REVIEW_STATES

CLASS_CHOICES = [(code, f"{code} · {name}") for code, name in CLASS_NAMES.items()]
#: A beat may also be corrected to "noise" or "not a beat" (a false detection).
BEAT_CHOICES = [*CLASS_CHOICES, *reviewed.NON_BEAT_CORRECTIONS.items()]


class DoctorSearchForm(forms.Form):
    q = forms.CharField(
        label="Doctor's name, specialty or clinic",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "type": "search"}),
    )


class InvitationCodeForm(forms.Form):
    code = forms.CharField(
        label="Invitation code",
        max_length=32,
        widget=forms.TextInput(
            attrs={"class": "form-control", "autocomplete": "off", "spellcheck": "false"}
        ),
    )


class QueueFilterForm(forms.Form):
    patient = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label="Patient", choices=[]
    )
    label = forms.ChoiceField(
        required=False, label="Class", choices=[("", "All classes"), *CLASS_CHOICES]
    )
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    state = forms.ChoiceField(required=False, label="Review", choices=REVIEW_STATES)

    def __init__(self, *args: object, patients: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["patient"].choices = [("", "All patients"), *patients]  # type: ignore[attr-defined]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class ReviewForm(forms.Form):
    label = forms.ChoiceField(label="Your reading of this result", choices=CLASS_CHOICES)
    note = forms.CharField(
        label="Note for the patient",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["label"].widget.attrs["class"] = "form-select"
        self.fields["note"].widget.attrs["class"] = "form-control"
