"""Session rules: the Django admin stays closed to staff without two-factor authentication;
doctors' and administrators' sessions end when idle; a rate limit gives the 429 page."""

from __future__ import annotations

import time
from collections.abc import Callable

from allauth.core.exceptions import RateLimited
from allauth.core.ratelimit import respond_429
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts.permissions import MFA_REQUIRED_MESSAGE, mfa_satisfied

#: Session key: when a doctor or administrator last made a request (Unix seconds).
LAST_SEEN_KEY = "last_seen"


class AdminRequiresMFAMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.is_staff
            and request.path.startswith(reverse("admin:index"))
            and not mfa_satisfied(user)
        ):
            messages.warning(request, MFA_REQUIRED_MESSAGE)
            return redirect("mfa_activate_totp")
        return self.get_response(request)


class IdleTimeoutMiddleware:
    """Doctors' and administrators' sessions end after ``STAFF_IDLE_TIMEOUT`` seconds without
    a request (they open other people's health data); patients keep the normal session
    length."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user.is_patient:
            now = int(time.time())
            last = request.session.get(LAST_SEEN_KEY)
            if last is not None and now - int(last) > settings.STAFF_IDLE_TIMEOUT:
                logout(request)
                messages.info(request, "You were signed out after a while without activity.")
                return redirect_to_login(request.get_full_path())
            request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)


class RateLimitedMiddleware:
    """A limit hit deep inside allauth's flows (a code sent too often to one number, from one
    address, or to a locked-out number) raises ``RateLimited``; answer it with the 429 page
    instead of a server error."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RateLimited):
            return respond_429(request)
        return None
