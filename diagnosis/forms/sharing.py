"""Forms for sharing, the review queue filters and a doctor's review."""

from __future__ import annotations

from django import forms

from diagnosis import findings
from diagnosis.models import CLASS_NAMES, SHARE_DURATIONS
from diagnosis.selectors.sharing import REVIEW_STATES

CLASS_CHOICES = [(code, f"{code} · {name}") for code, name in CLASS_NAMES.items()]
#: A beat may also be corrected to "noise" or "not a beat" (a false detection).
BEAT_CHOICES = [*CLASS_CHOICES, *findings.NON_BEAT_CORRECTIONS.items()]


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


class ShareForm(forms.Form):
    """What to share with the chosen doctor (by id or invitation code), and for how long."""

    doctor = forms.IntegerField(required=False, widget=forms.HiddenInput)
    code = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)
    analysis = forms.UUIDField(required=False, widget=forms.HiddenInput)
    scope = forms.ChoiceField(
        label="What to share",
        choices=[
            ("all", "All my results, including the ones I upload later"),
            ("one", "Only this result"),
        ],
        initial="all",
        required=False,  # missing: all
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    duration = forms.ChoiceField(
        label="For how long",
        choices=[(key, label) for key, (label, _) in SHARE_DURATIONS.items()],
        initial="revoked",
        required=False,  # missing: until revoked
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args: object, one_result: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not one_result:  # "Only this result" needs a result
            self.fields["scope"].choices = self.fields["scope"].choices[:1]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("doctor") and not data.get("code"):
            raise forms.ValidationError("Choose a doctor, or enter their invitation code.")
        data["scope"] = data.get("scope") or "all"
        data["duration"] = data.get("duration") or "revoked"
        if data["scope"] == "one" and not data.get("analysis"):
            raise forms.ValidationError("Choose the result to share.")
        return data


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


#: A doctor's reading of a record's rhythm: the verdicts the site gives.
RHYTHM_CHOICES = list(findings.VERDICT_WORDS.items())


class ReviewForm(forms.Form):
    rhythm = forms.ChoiceField(
        label="Your reading of the rhythm", choices=RHYTHM_CHOICES, required=False
    )
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
        self.fields["rhythm"].widget.attrs["class"] = "form-select"
        self.fields["note"].widget.attrs["class"] = "form-control"
