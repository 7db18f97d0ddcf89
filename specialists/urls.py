from __future__ import annotations

from django.urls import path

from specialists import views

app_name = "specialists"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("places/", views.place_suggestions, name="places"),
    path("import/", views.specialist_import, name="import"),
]
