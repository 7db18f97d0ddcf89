"""URLs under /analyses/, one list per concern, all named ``diagnosis:<name>``."""

from __future__ import annotations

from diagnosis.urls import analyses, batches, curation, sharing, your_data

app_name = "diagnosis"

urlpatterns = [
    *analyses.urlpatterns,
    *batches.urlpatterns,
    *sharing.urlpatterns,
    *curation.urlpatterns,
    *your_data.urlpatterns,
]
