"""URLs of "your data": download everything, close the account."""

from __future__ import annotations

from django.urls import path

from diagnosis.views import your_data as views

urlpatterns = [
    path("my-data/", views.page, name="your_data"),
    path("my-data/export.zip", views.export, name="your_data_export"),
]
