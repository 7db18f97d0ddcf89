from __future__ import annotations

from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("doctor-application/", views.doctor_apply, name="doctor_apply"),
    path("doctor/", views.doctor_home, name="doctor_home"),
    path("staff/", views.staff_home, name="staff_home"),
    path(
        "staff/doctor-applications/<int:pk>/decide/",
        views.doctor_application_decide,
        name="doctor_application_decide",
    ),
]
