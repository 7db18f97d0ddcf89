"""URLs of a multi-ECG upload's summary (an Apple Health export, several files at once)."""

from __future__ import annotations

from django.urls import path

from diagnosis.views import batches as views

urlpatterns = [
    path("uploads/<uuid:batch_id>/", views.batch, name="batch"),
    path("uploads/<uuid:batch_id>/status/", views.batch_status, name="batch_status"),
]
