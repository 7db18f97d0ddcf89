from __future__ import annotations

from django import forms

from accounts.models import DoctorApplication, User


class DoctorApplicationForm(forms.ModelForm):
    class Meta:
        model = DoctorApplication
        fields = ["full_name", "licence_number", "specialty", "workplace"]
        labels = {
            "full_name": "Your full name, as on your licence",
            "licence_number": "Medical licence number",
            "workplace": "Clinic or hospital where you work",
        }


class ApplicationDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class LocationForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "city", "country"]
        labels = {
            "full_name": "Your name",
            "city": "Your city (to suggest nearby heart specialists)",
            "country": "Country",
        }
