from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path

from ecgsite import views

# The admin's own login form would bypass allauth's rate limits and two-factor step.
admin.site.login = login_required(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "ECG screening administration"

urlpatterns = [
    path("", views.home, name="home"),
    # Browsers ask for /favicon.ico whatever the page says.
    path("favicon.ico", views.favicon),
    path("about/", views.about, name="about"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("account/", include("accounts.urls")),
    path("analyses/", include("diagnosis.urls")),
    path("api/v1/", include("diagnosis.api.urls")),
    path("specialists/", include("specialists.urls")),
    path("conditions/", include("specialists.condition_urls")),
    path("admin/", admin.site.urls),
]

handler403 = "ecgsite.views.forbidden"
handler404 = "ecgsite.views.not_found"
handler500 = "ecgsite.views.server_error"
