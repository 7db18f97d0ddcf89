"""Directory "near me" with a granted location (phone, desktop); a condition page on a phone."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps

from specialists.demo import demo_specialists_load
from specialists.services import nearest_specialists
from tests.browser.conftest import VIEWPORTS, wait_until

pytestmark = [pytest.mark.browser]

# A street in Lyon, a few hundred metres from the city centre.
LYON_STREET = {"latitude": 45.7578, "longitude": 4.8320}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_near_me_lists_the_nearest_demo_specialist_first(
    live_server, chromium, screenshot, viewport
):
    demo_specialists_load()
    expected = nearest_specialists(
        latitude=round(LYON_STREET["latitude"], 2),
        longitude=round(LYON_STREET["longitude"], 2),
        limit=2,
    )
    context = chromium.new_context(
        viewport=VIEWPORTS[viewport],
        geolocation=LYON_STREET,
        permissions=["geolocation"],
        is_mobile=viewport == "phone",
        has_touch=viewport == "phone",
    )
    external: list[str] = []
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on(
        "request",
        lambda request: (
            external.append(request.url) if not request.url.startswith(live_server.url) else None
        ),
    )

    page.goto(live_server.url + "/specialists/")
    page.get_by_role("button", name="Use my location").click()
    page.wait_for_url(re.compile(r".*[?&]lat=45\.76&lon=4\.83.*"))

    assert page.locator("#sort-origin").inner_text() == "Nearest first, from your location."
    cards = page.locator("#results .specialist-card")
    first = cards.first
    assert first.locator(".specialist-name").inner_text() == expected[0].specialist.name
    assert cards.nth(1).locator(".specialist-name").inner_text() == expected[1].specialist.name
    assert first.locator(".distance").inner_text().endswith(("km", " m"))
    assert (
        first.get_by_role("link", name=re.compile(r"^Call "))
        .get_attribute("href")
        .startswith("tel:+33")
    )
    # The map is a link away; nothing outside the site was fetched.
    assert "openstreetmap.org" in first.get_by_role("link", name=re.compile("^Map")).get_attribute(
        "href"
    )
    assert external == []
    screenshot(page, f"specialists-near-me-{viewport}")
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_condition_page_reads_well_on_a_phone(live_server, chromium, screenshot):
    # Transactional tests flush the database, seeded pages included: seed them again the
    # way the data migration does (serialized_rollback trips over content types).
    importlib.import_module("specialists.migrations.0002_seed_conditions").seed(apps, None)
    context = chromium.new_context(viewport=VIEWPORTS["phone"], is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/conditions/")
    page.get_by_role("link", name=re.compile("Premature ventricular contraction")).click()
    page.wait_for_url(re.compile(r".*/conditions/premature-ventricular-contraction/$"))
    assert page.locator("h1").inner_text() == "Premature ventricular contraction (PVC)"
    assert page.get_by_role("heading", name="When to get emergency help").is_visible()
    # Nothing is wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS["phone"]["width"]
    screenshot(page, "condition-pvc-phone")
    page.get_by_role("link", name=re.compile("^Find a")).click()
    page.wait_for_url(re.compile(r".*/specialists/\?specialty=electrophysiology$"))
    context.close()


@pytest.mark.django_db(transaction=True)
def test_typing_a_town_offers_places_and_sorts_from_it_on_a_phone(
    live_server, chromium, screenshot
):
    demo_specialists_load()
    context = chromium.new_context(viewport=VIEWPORTS["phone"], is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(live_server.url + "/specialists/")

    near = page.get_by_label("Near (city or town)")
    near.press_sequentially("birm", delay=40)
    wait_until(
        page,
        "Array.from(document.querySelectorAll('#place-suggestions option'))"
        ".some(o => o.value === 'Birmingham, United Kingdom')",
    )
    # Debounced: not one request per letter ("bi", "bir", "birm" would be three).
    assert len([url for url in asked if "/specialists/places/" in url]) < 3
    near.fill("Birmingham, United Kingdom")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r".*[?&]near=Birmingham.*"))

    origin = page.locator("#sort-origin").inner_text()
    assert origin == "Nearest first, from Birmingham, United Kingdom."
    first = page.locator("#results .specialist-card").first
    assert first.locator(".specialist-name").inner_text().startswith("Dr ")
    assert first.locator(".distance").inner_text().endswith("km")
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS["phone"]["width"]
    screenshot(page, "specialists-near-a-town-phone")
    context.close()
