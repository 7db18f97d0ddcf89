"""URLs of the administrators' curation and retraining pages (under /analyses/curation/)."""

from __future__ import annotations

from django.urls import path

from diagnosis.views import curation as views

urlpatterns = [
    path("curation/", views.examples, name="curation_examples"),
    path("curation/decide/", views.examples_decide, name="curation_decide"),
    path("curation/examples/<int:pk>/image/", views.example_image, name="curation_example_image"),
    path("curation/import/", views.import_archive, name="curation_import"),
    path("curation/import/<int:pk>/", views.import_report, name="curation_import_report"),
    path("curation/training/", views.training, name="curation_training"),
    path("curation/training/start/", views.training_start, name="curation_training_start"),
    path("curation/training/<int:pk>/", views.training_run, name="curation_run"),
    path(
        "curation/training/<int:pk>/status/", views.training_run_status, name="curation_run_status"
    ),
    path("curation/training/<int:pk>/cancel/", views.training_cancel, name="curation_run_cancel"),
    path(
        "curation/models/<int:pk>/activate/", views.model_activate, name="curation_model_activate"
    ),
    path("curation/audit/", views.audit, name="curation_audit"),
]
