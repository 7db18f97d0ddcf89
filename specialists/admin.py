from __future__ import annotations

from django.contrib import admin

from specialists.models import Condition, Specialist


@admin.register(Specialist)
class SpecialistAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "specialty",
        "clinic",
        "city",
        "country",
        "accepting_new_patients",
        "is_demo",
        "updated_at",
    ]
    list_filter = ["specialty", "country", "city", "accepting_new_patients", "is_demo"]
    search_fields = ["name", "clinic", "city", "country", "email", "phone"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = (
        (None, {"fields": ("name", "specialty", "clinic", "languages", "accepting_new_patients")}),
        ("Where", {"fields": ("address", "city", "country", "latitude", "longitude")}),
        ("Contact", {"fields": ("phone", "email", "website")}),
        ("Record", {"fields": ("is_demo", "created_at", "updated_at")}),
    )


@admin.register(Condition)
class ConditionAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "class_code", "aami_class", "is_published", "updated_at"]
    list_filter = ["kind", "is_published"]
    search_fields = ["title", "slug", "summary"]
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ["updated_at"]
    fieldsets = (
        (
            None,
            {
                "fields": ("title", "slug", "kind", "class_code", "aami_class", "position"),
                "description": (
                    "Plain text only: a blank line starts a new paragraph and lines starting "
                    "with '- ' make a bullet list. HTML is shown as typed. Short sentences."
                ),
            },
        ),
        (
            "Text",
            {
                "fields": (
                    "summary",
                    "what_it_is",
                    "symptoms",
                    "causes",
                    "how_confirmed",
                    "emergency",
                    "precautions",
                )
            },
        ),
        ("Sources and links", {"fields": ("sources", "directory_specialty")}),
        ("Publishing", {"fields": ("is_published", "updated_at")}),
    )
