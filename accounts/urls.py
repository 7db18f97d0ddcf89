from __future__ import annotations

from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("password-reset/sms/", views.password_reset_by_sms, name="password_reset_by_sms"),
    path("password-reset/sms/code/", views.password_reset_sms_code, name="password_reset_sms_code"),
    path("doctor-application/", views.doctor_apply, name="doctor_apply"),
    path("doctor/", views.doctor_home, name="doctor_home"),
    path("staff/", views.staff_home, name="staff_home"),
    path(
        "staff/doctor-applications/<int:pk>/decide/",
        views.doctor_application_decide,
        name="doctor_application_decide",
    ),
]
