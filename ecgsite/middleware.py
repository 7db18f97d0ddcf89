"""Site-wide request and response rules: oversized bodies refused before they are read;
no page or JSON kept in any cache."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers


class RequestSizeLimitMiddleware:
    """A request that says it is larger than ``MAX_REQUEST_BYTES`` gets 413 at once: Django
    never spools it to disk. (In production nginx refuses it even earlier,
    ``client_max_body_size``.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BYTES:
            message = (
                f"The upload is too large: the limit is {settings.MAX_UPLOAD_MB} MB. Nothing "
                "was stored. For an Apple Health export, upload just its electrocardiograms "
                "folder instead: select the files inside it, or zip that folder alone."
            )
            if request.path.startswith("/api/"):
                return JsonResponse({"file": [message]}, status=413)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages and JSON may carry health data: no browser or proxy keeps a copy
    (``Cache-Control: no-store``). Static files are answered before this (WhiteNoise) and
    keep their long cache."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response


class SignInProviderMissingMiddleware:
    """A sign-in provider that is not configured (Google without ``GOOGLE_CLIENT_ID``) is a
    404, not a server error."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        from allauth.socialaccount.models import SocialApp

        if isinstance(exception, SocialApp.DoesNotExist):
            raise Http404("This way of signing in is not set up on this site.")
