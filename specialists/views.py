"""Public pages: the specialists directory and the condition pages; the admin import page."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.permissions import AuthenticatedHttpRequest, admin_required
from specialists import services
from specialists.forms import DirectorySearchForm, SpecialistImportForm
from specialists.models import Condition, ConditionKind, Specialist, Specialty

PAGE_SIZE = 10


@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    form = DirectorySearchForm(request.GET or None)
    data: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()  # fields that fail are left out; the others still apply
        data = form.cleaned_data
    text, specialty, near = data.get("q", ""), data.get("specialty", ""), data.get("near", "")
    origin = services.distance_origin(
        near=near, latitude=data.get("lat"), longitude=data.get("lon")
    )

    page: Page[Any]
    if origin is not None:
        nearby = services.nearest_specialists(
            latitude=origin.latitude,
            longitude=origin.longitude,
            limit=None,
            specialty=specialty,
            text=text,
        )
        page = Paginator(nearby, PAGE_SIZE).get_page(request.GET.get("page"))
        items = list(page.object_list)
    else:
        queryset = Specialist.objects.listed().matching(text=text, specialty=specialty)
        page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
        items = [services.NearbySpecialist(specialist=s) for s in page.object_list]

    query = request.GET.copy()
    query.pop("page", None)
    alternative_query = ""
    if origin is not None and origin.alternative:
        alternative = request.GET.copy()
        for key in ("page", "lat", "lon", "city"):
            alternative.pop(key, None)
        alternative["near"] = origin.alternative
        alternative_query = alternative.urlencode()
    return render(
        request,
        "specialists/directory.html",
        {
            "form": form,
            "page": page,
            "items": items,
            "origin": origin,
            "alternative_query": alternative_query,
            "place_not_found": near if origin is None else "",
            "cities": services.city_centres(),
            "query_string": query.urlencode(),
            "location_error": bool(form.errors.get("lat") or form.errors.get("lon")),
            "filtered": bool(text or specialty or near),
        },
    )


@require_GET
def place_suggestions(request: HttpRequest) -> JsonResponse:
    """Type-ahead for the "Near" box: ``?q=birm`` gives up to ten places, largest first.

    ``{"results": [{"label": "Birmingham, United Kingdom", "name": ..., "country": ...,
    "population": ..., "matched": "birmingham"}]}``; fewer than two letters give none. An
    in-memory look-up of well under a millisecond, so it needs no throttle of its own.
    """
    suggestions = services.place_suggestions(text=request.GET.get("q", ""))
    return JsonResponse(
        {
            "results": [
                {
                    "label": s.place.label,
                    "name": s.place.name,
                    "country": s.place.country,
                    "population": s.place.population,
                    "matched": s.matched,
                }
                for s in suggestions
            ]
        }
    )


@require_GET
def condition_index(request: HttpRequest) -> HttpResponse:
    conditions = list(Condition.objects.published())
    groups = [
        (label, [c for c in conditions if c.kind == kind]) for kind, label in ConditionKind.choices
    ]
    return render(request, "conditions/index.html", {"groups": groups})


@require_GET
def condition_detail(request: HttpRequest, slug: str) -> HttpResponse:
    condition = get_object_or_404(Condition.objects.published(), slug=slug)
    return render(
        request,
        "conditions/detail.html",
        {
            "condition": condition,
            "specialty_label": Specialty(condition.directory_specialty).label,
        },
    )


@admin_required
@require_http_methods(["GET", "POST"])
def specialist_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SpecialistImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = services.specialists_import(
            data=form.cleaned_data["file"].read(), partial=form.cleaned_data["partial"]
        )
    return render(request, "specialists/import.html", {"form": form, "report": report})
