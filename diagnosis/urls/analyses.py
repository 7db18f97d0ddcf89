"""URLs of a patient's own analyses: upload, result, trace, file, report, delete, history."""

from __future__ import annotations

from django.urls import path

from diagnosis.views import analyses as views

urlpatterns = [
    path("upload/", views.upload, name="upload"),
    path("", views.history, name="history"),
    path("<uuid:analysis_id>/", views.result, name="result"),
    path("<uuid:analysis_id>/status/", views.result_status, name="result_status"),
    path("<uuid:analysis_id>/trace.json", views.trace, name="trace"),
    path("<uuid:analysis_id>/file/", views.recording_file, name="file"),
    path("<uuid:analysis_id>/report/", views.report, name="report"),
    path("<uuid:analysis_id>/report.pdf", views.report_pdf, name="report_pdf"),
    path("<uuid:analysis_id>/delete/", views.delete, name="delete"),
    path("<uuid:analysis_id>/rerun/", views.rerun, name="rerun"),
    path("<uuid:analysis_id>/symptoms/", views.symptoms, name="symptoms"),
]
