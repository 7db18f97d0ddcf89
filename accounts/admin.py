from __future__ import annotations

from typing import cast

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts import services
from accounts.models import DoctorApplication, DoctorProfile, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "phone", "full_name", "role", "is_active", "date_joined"]
    list_filter = ["role", "is_active", "is_staff", "phone_verified"]
    search_fields = ["email", "phone", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "phone", "phone_verified", "password")}),
        ("Person", {"fields": ("full_name", "role")}),
        (
            "Access",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    readonly_fields = ["last_login", "date_joined"]


@admin.register(DoctorApplication)
class DoctorApplicationAdmin(admin.ModelAdmin):
    list_display = ["full_name", "user", "specialty", "licence_number", "status", "submitted_at"]
    list_filter = ["status", "specialty"]
    search_fields = ["full_name", "user__email", "licence_number"]
    readonly_fields = ["user", "status", "submitted_at", "decided_at", "decided_by"]
    actions = ["approve"]

    @admin.action(description="Approve the selected applications")
    def approve(self, request: HttpRequest, queryset: QuerySet[DoctorApplication]) -> None:
        for application in queryset:
            try:
                services.doctor_application_approve(
                    application=application, decided_by=cast(User, request.user)
                )
            except ValidationError as error:
                self.message_user(
                    request, f"{application}: {' '.join(error.messages)}", messages.ERROR
                )


@admin.register(DoctorProfile)
class DoctorProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "specialty", "workplace", "approved_at"]
    search_fields = ["user__email", "user__full_name", "licence_number"]
    readonly_fields = ["application", "approved_at"]
