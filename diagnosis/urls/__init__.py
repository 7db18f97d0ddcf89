"""URLs under /analyses/, one list per concern, all named ``diagnosis:<name>``."""

from __future__ import annotations

from diagnosis.urls import analyses, curation, sharing, your_data

app_name = "diagnosis"

urlpatterns = [
    *analyses.urlpatterns,
    *sharing.urlpatterns,
    *curation.urlpatterns,
    *your_data.urlpatterns,
]
