"""URLs for sharing, the doctor's review queue, reviews and the access log; joined in
``diagnosis.urls`` (so the names are ``diagnosis:<name>``)."""

from __future__ import annotations

from django.urls import path

from diagnosis.views import sharing as views

urlpatterns = [
    path("sharing/", views.sharing, name="sharing"),
    path("sharing/new/", views.share_confirm, name="share_confirm"),
    path("sharing/add/", views.share_create, name="share_create"),
    path("sharing/<int:pk>/revoke/", views.share_revoke, name="share_revoke"),
    path("doctor/", views.doctor_queue, name="doctor_queue"),
    path(
        "doctor/invitation-code/",
        views.invitation_code_regenerate,
        name="invitation_code_regenerate",
    ),
    path("<uuid:analysis_id>/review/", views.review, name="review"),
    path("access-log/", views.access_log, name="access_log"),
    path("access-log/export.csv", views.access_log_export, name="access_log_export"),
]
