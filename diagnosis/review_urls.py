"""URLs for sharing, the doctor's review queue, reviews and the access log; included by
``diagnosis.urls`` (so the names are ``diagnosis:<name>``)."""

from __future__ import annotations

from django.urls import path

from diagnosis import review_views

urlpatterns = [
    path("sharing/", review_views.sharing, name="sharing"),
    path("sharing/add/", review_views.share_create, name="share_create"),
    path("sharing/<int:pk>/revoke/", review_views.share_revoke, name="share_revoke"),
    path("doctor/", review_views.doctor_queue, name="doctor_queue"),
    path(
        "doctor/invitation-code/",
        review_views.invitation_code_regenerate,
        name="invitation_code_regenerate",
    ),
    path("<uuid:analysis_id>/review/", review_views.review, name="review"),
    path("access-log/", review_views.access_log, name="access_log"),
    path("access-log/export.csv", review_views.access_log_export, name="access_log_export"),
]
