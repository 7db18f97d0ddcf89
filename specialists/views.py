"""Public pages: the specialists directory and the condition pages; the admin import page."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.permissions import AuthenticatedHttpRequest, admin_required
from specialists import services
from specialists.forms import DirectorySearchForm, SpecialistImportForm
from specialists.models import Condition, ConditionKind, Specialist, Specialty

PAGE_SIZE = 10


@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    cities = services.city_centres()
    form = DirectorySearchForm(request.GET or None, cities=cities)
    data: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()  # fields that fail are left out; the others still apply
        data = form.cleaned_data
    text, specialty, city = data.get("q", ""), data.get("specialty", ""), data.get("city", "")
    lat, lon, near = data.get("lat"), data.get("lon"), data.get("near", "")

    point: tuple[float, float] | None = None
    origin = ""
    if lat is not None and lon is not None:
        point, origin = (lat, lon), "your location"
    elif near and near in form.cities:
        centre = form.cities[near]
        point = (centre.latitude, centre.longitude)
        origin = f"the centre of {centre.label}"

    page: Page[Any]
    if point is not None:
        nearby = services.nearest_specialists(
            latitude=point[0],
            longitude=point[1],
            limit=None,
            specialty=specialty,
            text=text,
            city=city,
        )
        page = Paginator(nearby, PAGE_SIZE).get_page(request.GET.get("page"))
        items = list(page.object_list)
    else:
        queryset = Specialist.objects.listed().matching(text=text, specialty=specialty, city=city)
        page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
        items = [services.NearbySpecialist(specialist=s) for s in page.object_list]

    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "specialists/directory.html",
        {
            "form": form,
            "page": page,
            "items": items,
            "origin": origin,
            "cities": cities,
            "query_string": query.urlencode(),
            "location_error": bool(form.errors.get("lat") or form.errors.get("lon")),
            "filtered": bool(text or specialty or city),
        },
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
