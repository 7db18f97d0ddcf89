"""Planned maintenance: open and close a window (the ``maintenance`` command and the admin
call these), and the one check pages and uploads read.

The current window is cached for a few seconds in the shared cache, so a page costs no
query most of the time and every process sees a change within ``CACHE_SECONDS``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from diagnosis.engine import InputError
from diagnosis.models import MaintenanceWindow

CACHE_KEY = "maintenance:current"
CACHE_SECONDS = 5
_NONE = "none"  # cached "no window" (the cache cannot tell None from a miss)


class UnderMaintenance(InputError):
    """Uploads are paused for planned maintenance (the message says until when)."""

    def __init__(self, window: MaintenanceWindow) -> None:
        self.retry_after_s = max(window.seconds_left, 1)
        until = timezone.localtime(window.ends_at)
        minutes = -(-self.retry_after_s // 60)
        super().__init__(
            f"The site is being updated until {until:%H:%M} (about {minutes} min). Uploads "
            "are paused until then; your earlier results are safe. Please try again after."
        )


def maintenance_current() -> MaintenanceWindow | None:
    cached = cache.get(CACHE_KEY)
    if cached == _NONE:
        return None
    if isinstance(cached, MaintenanceWindow) and cached.seconds_left > 0:
        return cached
    window = MaintenanceWindow.objects.current().order_by("-ends_at").first()
    cache.set(CACHE_KEY, window or _NONE, CACHE_SECONDS)
    return window


def uploads_check_open() -> None:
    """Raises ``UnderMaintenance`` while a window is current."""
    window = maintenance_current()
    if window is not None:
        raise UnderMaintenance(window)


def maintenance_start(*, minutes: float, message: str = "", by: Any = None) -> MaintenanceWindow:
    """Open a window from now for ``minutes``; a window already open gets the new end and
    message instead of a second banner."""
    if minutes <= 0:
        raise ValueError("minutes must be positive")
    ends_at = timezone.now() + timedelta(minutes=minutes)
    window = MaintenanceWindow.objects.current().order_by("-ends_at").first()
    if window is None:
        window = MaintenanceWindow.objects.create(
            ends_at=ends_at, message=message.strip(), created_by=by
        )
    else:
        window.ends_at, window.message = ends_at, message.strip() or window.message
        window.save(update_fields=["ends_at", "message"])
    cache.delete(CACHE_KEY)
    return window


def maintenance_end() -> int:
    """Close every current window now. Returns how many were open."""
    ended = MaintenanceWindow.objects.current().update(ended_at=timezone.now())
    cache.delete(CACHE_KEY)
    return ended


def maintenance_changed() -> None:
    """Forget the cached window (after the admin edits one)."""
    cache.delete(CACHE_KEY)
