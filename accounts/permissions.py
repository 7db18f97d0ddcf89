"""Role gates for pages (decorators) and the API (DRF permission classes). Default deny: a
view opens only for the roles it names.

Doctors and administrators must have TOTP two-factor authentication turned on before
their role's pages open; patients may turn it on but are not required to.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from rest_framework.permissions import BasePermission

from accounts.models import Role, User


class AuthenticatedHttpRequest(HttpRequest):
    """The request a role-gated view receives: ``user`` is a real, logged-in User."""

    user: User


# Roles whose pages stay closed until the user has set up an authenticator app.
MFA_REQUIRED_ROLES = frozenset({Role.DOCTOR, Role.ADMIN})

MFA_REQUIRED_MESSAGE = (
    "Doctors and administrators must turn on two-factor authentication before "
    "they can open these pages. Scan the code with an authenticator app to continue."
)


def has_totp(user: Any) -> bool:
    return is_mfa_enabled(user, [Authenticator.Type.TOTP])


def mfa_satisfied(user: Any) -> bool:
    """The one two-factor policy: doctors, administrators and any staff account (the Django
    admin) need TOTP before their pages or anyone else's data open; patients do not."""
    if user.role in MFA_REQUIRED_ROLES or user.is_staff:
        return has_totp(user)
    return True


def sms_sign_in_allowed(user: Any) -> bool:
    """Whether an SMS code may sign ``user`` in or reset their password. Never for the
    accounts the two-factor policy covers: a code sent to a phone (a SIM swap, a lock screen)
    must not open other people's data; they sign in with a password and TOTP."""
    return not (user.role in MFA_REQUIRED_ROLES or user.is_staff)


def role_allows(user: Any, roles: frozenset[str]) -> bool:
    """Whether ``user`` holds one of ``roles``. Administrators must also be staff."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.role == Role.ADMIN:
        return user.is_administrator and Role.ADMIN in roles
    return user.role in roles


def role_required(
    *roles: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Open a view only to the given roles.

    Anonymous -> login page; wrong role -> 403; doctor or administrator without TOTP ->
    the TOTP set-up page with an explanation.
    """
    allowed = frozenset(roles)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not role_allows(user, allowed):
                raise PermissionDenied("Your account does not have access to this page.")
            if not mfa_satisfied(user):
                messages.warning(request, MFA_REQUIRED_MESSAGE)
                return redirect("mfa_activate_totp")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


class RolePermission(BasePermission):
    """The API's gate, the same rule as :func:`role_required`: default deny; a role in
    ``roles`` (empty: any role), administrators also staff, and the two-factor policy."""

    roles: frozenset[str] = frozenset()
    require_mfa = True
    message = "Your account does not have access to this endpoint."

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if not role_allows(user, self.roles or frozenset(Role.values)):
            return False
        if self.require_mfa and not mfa_satisfied(user):
            self.message = MFA_REQUIRED_MESSAGE
            return False
        return True


class AnyRole(RolePermission):
    """The API default: any signed-in, active account. A patient's own data needs no second
    factor; others' data follows the two-factor policy through ``visible_to``."""

    require_mfa = False


patient_required = role_required(Role.PATIENT)
doctor_required = role_required(Role.DOCTOR)
admin_required = role_required(Role.ADMIN)
