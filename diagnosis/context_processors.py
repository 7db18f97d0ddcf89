"""Template context every page gets."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest

from diagnosis.services.maintenance import maintenance_current

log = logging.getLogger(__name__)


def maintenance(request: HttpRequest) -> dict[str, Any]:
    """The current maintenance window, for the banner in ``base.html``. A database or cache
    that cannot be read (the error pages render then too) shows no banner, never an error."""
    try:
        return {"maintenance": maintenance_current()}
    except Exception:
        log.warning("could not read the maintenance window", exc_info=True)
        return {"maintenance": None}
