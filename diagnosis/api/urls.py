from __future__ import annotations

from csp.decorators import csp_update
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from accounts import api as accounts_api
from diagnosis.api import batches, sharing, views, your_data

app_name = "api"

router = SimpleRouter()
router.register("analyses", views.AnalysisViewSet, basename="analysis")
router.register("shares", sharing.ShareViewSet, basename="share")
router.register("batches", batches.BatchViewSet, basename="batch")

urlpatterns = [
    path("auth/token/", accounts_api.TokenView.as_view(), name="token"),
    path("auth/tokens/", accounts_api.TokensView.as_view(), name="tokens"),
    path("reviews/queue/", sharing.ReviewQueueView.as_view(), name="review-queue"),
    path("analyses/<uuid:id>/review/", sharing.ReviewView.as_view(), name="analysis-review"),
    path("me/export.zip", your_data.DataExportView.as_view(), name="data-export"),
    path("me/close/", your_data.AccountCloseView.as_view(), name="account-close"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The Swagger UI page starts itself with an inline script: allowed on this page only.
    path(
        "docs/",
        csp_update({"script-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerView.as_view(url_name="api:schema")
        ),
        name="docs",
    ),
    *router.urls,
]
