from __future__ import annotations

from typing import Any

from allauth.account import forms as allauth_forms
from allauth.account.fields import PasswordField, SetPasswordField
from allauth.core.internal.cryptokit import compare_user_code
from django import forms
from django.http import HttpRequest

from accounts.models import DoctorApplication, User
from accounts.permissions import sms_sign_in_allowed
from accounts.phone import (
    LOCKED_MESSAGE,
    phone_normalize,
    sms_code_failure_record,
    sms_code_locked,
)


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


# --- Mobile numbers: allauth's forms, with the site's number rules and SMS limits --------


class MobileNumberField(forms.CharField):
    """A mobile number as people type it ("098765 43210", "+91 98765-43210"), cleaned to
    E.164 by ``accounts.phone.phone_normalize``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label", "Mobile number")
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "type": "tel",
                    "autocomplete": "tel",
                    "inputmode": "tel",
                    "placeholder": "+91 98765 43210",
                }
            ),
        )
        super().__init__(*args, **kwargs)

    def clean(self, value: Any) -> str:
        text: str = super().clean(value)
        return phone_normalize(text) if text else text


class SignupForm(allauth_forms.SignupForm):
    """Sign up with an email address or a mobile number (allauth's form, whose settings list
    the email as required so that a given email is always confirmed). Not both at once: an
    account must never be opened by a number confirmed while the email is not (someone
    else's address), and a text to your own number must not tell whether an address has an
    account. The other can be added on the account page."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        email = self.fields["email"]
        email.required = False
        email.widget.is_required = False
        email.label = "Email address"
        self.fields["phone"].label = "or mobile number"
        self.fields["phone"].help_text = (
            "Give an email address or a mobile number; you can add the other later on your "
            "account page. We text a 6-digit code to a mobile number to confirm it."
        )

    def clean(self) -> dict[str, Any]:
        cleaned_data: dict[str, Any] = super().clean()
        email, phone = cleaned_data.get("email"), cleaned_data.get("phone")
        if not self.errors and not (email or phone):
            raise forms.ValidationError("Enter an email address or a mobile number.")
        if email and phone:
            raise forms.ValidationError(
                "Give an email address or a mobile number, not both. You can add the other "
                "on your account page once you are signed in."
            )
        return cleaned_data


class LoginForm(allauth_forms.LoginForm):
    """allauth's login with the number read in the site's way: a mobile number typed in
    any usual form is looked up as E.164."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        login.label = "Email address or mobile number"
        login.widget.attrs.update(
            {"placeholder": "e.g. +91 98765 43210", "autocomplete": "username"}
        )

    def clean_login(self) -> str:
        login: str = super().clean_login()
        if "@" in login:
            return login
        try:
            return phone_normalize(login)
        except forms.ValidationError:
            return login


def _request() -> HttpRequest:
    from allauth.core import context

    request: HttpRequest = context.request
    return request


class RequestSmsLoginCodeForm(allauth_forms.RequestLoginCodeForm):
    """ "Send me a sign-in code", by SMS only. Doctors and administrators are never sent
    one: for them the form goes on exactly as for a number without an account (no
    enumeration), and the text they get says to use their password and authenticator app."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.pop("email", None)
        self.fields["phone"].required = True

    def clean_phone(self) -> str:
        phone: str = super().clean_phone()
        user = getattr(self, "_user", None)
        if user is not None and not sms_sign_in_allowed(user):
            self._user = None
        return phone


class _SmsCodeLockoutMixin:
    """Counts every wrong SMS code against its number, and refuses any code for a number
    locked out (``SMS_CODE_FAILURES_PER_NUMBER`` wrong codes in ``SMS_LOCKOUT_SECONDS``),
    across sign-up, sign-in, change of number and password reset."""

    cleaned_data: dict[str, Any]
    expected_code: str | None

    def code_phone(self) -> str | None:
        raise NotImplementedError

    def clean_code(self) -> str:
        phone = self.code_phone()
        if phone:
            request = _request()
            if sms_code_locked(request=request, phone=phone):
                raise forms.ValidationError(LOCKED_MESSAGE, code="locked")
            code = self.cleaned_data.get("code") or ""
            if not compare_user_code(actual=code, expected=self.expected_code or ""):
                sms_code_failure_record(request=request, phone=phone)
        code_clean: str = super().clean_code()  # type: ignore[misc]
        return code_clean


class ConfirmLoginCodeForm(_SmsCodeLockoutMixin, allauth_forms.ConfirmLoginCodeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(_CODE_ATTRS)

    def code_phone(self) -> str | None:
        stage = getattr(_request(), "_login_stage", None)
        phone: str | None = stage.state.get("phone") if stage is not None else None
        return phone


class VerifyPhoneForm(_SmsCodeLockoutMixin, allauth_forms.VerifyPhoneForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(_CODE_ATTRS)

    def code_phone(self) -> str | None:
        phone: str | None = self.phone
        return phone


_CODE_ATTRS = {
    "inputmode": "numeric",
    "pattern": "[0-9 ]*",
    "autocomplete": "one-time-code",
    "placeholder": "6-digit code",
    "maxlength": "8",
}


class PasswordResetBySmsForm(forms.Form):
    phone = MobileNumberField(label="Your mobile number")


class PasswordResetSmsCodeForm(_SmsCodeLockoutMixin, allauth_forms.BaseConfirmCodeForm):
    """The code from the text message and the new password, on one page."""

    password1 = SetPasswordField(label="New password")
    password2 = PasswordField(label="New password (again)", autocomplete="new-password")

    def __init__(self, *args: Any, user: User | None, phone: str, **kwargs: Any) -> None:
        self.phone = phone
        super().__init__(*args, **kwargs)
        self.fields["code"].label = "Code from the text message"
        self.fields["code"].widget.attrs.update(_CODE_ATTRS)
        password1: SetPasswordField = self.fields["password1"]
        password1.user = user

    def code_phone(self) -> str | None:
        return self.phone

    def clean(self) -> dict[str, Any]:
        cleaned_data: dict[str, Any] = super().clean()
        one, two = cleaned_data.get("password1"), cleaned_data.get("password2")
        if one and two and one != two:
            self.add_error("password2", "You must type the same password each time.")
        return cleaned_data
