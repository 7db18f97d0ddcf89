"""Site-wide pages: home, about, health, error pages."""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ecgsite.health import health_report


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


def about(request: HttpRequest) -> HttpResponse:
    return render(request, "about.html")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


#: Seconds a person (and the 503's Retry-After) is told to wait while a service is down.
RETRY_AFTER_S = 10


def server_error(request: HttpRequest) -> HttpResponse:
    """500, or 503 "temporarily unavailable, try again in N s" when the error is a service
    that cannot be reached (Django calls this inside its ``except``, so the error is known).

    Standalone templates, rendered without the request: the database or the session may be
    what failed."""
    missing = outage(sys.exc_info()[1])
    if missing is None:
        return HttpResponse(render_to_string("500.html"), status=500)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {
                "detail": f"Temporarily unavailable ({missing}); try again in "
                f"{RETRY_AFTER_S} s. Nothing you sent before has been lost.",
                "retry_after_s": RETRY_AFTER_S,
            },
            status=503,
        )
    else:
        page = render_to_string("503.html", {"retry_after_s": RETRY_AFTER_S, "what": missing})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_S)
    response["Cache-Control"] = "no-store"
    return response


def outage(error: BaseException | None) -> str | None:
    """What could not be reached, if ``error`` (or an error it came from) is a database,
    cache, message-broker or object-storage connection failure; ``None`` for any other error
    (a missing file, say, is not an outage)."""
    from botocore.exceptions import ClientError, HTTPClientError
    from botocore.exceptions import ConnectionError as StorageConnectionError
    from django.db import InterfaceError, OperationalError
    from kombu.exceptions import OperationalError as BrokerError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, OperationalError | InterfaceError):
            return "the database"
        if isinstance(error, StorageConnectionError | HTTPClientError):
            return "the file storage"
        if isinstance(error, ClientError) and _status(error) >= 500:
            return "the file storage"  # it answers, but refuses (full, down for upkeep)
        if isinstance(error, RedisConnectionError | RedisTimeoutError):
            return "the cache"
        if isinstance(error, BrokerError):
            return "the task queue"
        error = error.__cause__ or error.__context__
        seen += 1
    return None


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says: send them to the static icon
    (resolved per request, after the static files manifest exists)."""
    from django.templatetags.static import static

    return redirect(static("favicon.svg"), permanent=True)


def _status(error: Exception) -> int:
    response = getattr(error, "response", None) or {}
    return int((response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0)
