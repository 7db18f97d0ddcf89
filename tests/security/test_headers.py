"""Security headers: a strict Content-Security-Policy (no inline script anywhere), a
Permissions-Policy, and no cached copy of any page or JSON that may carry health data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from tests.factories import AnalysisFactory

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_pages_carry_a_strict_csp_and_a_permissions_policy(client, patient):
    client.force_login(patient)
    response = client.get("/analyses/")
    csp = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", csp).group(1)
    assert script_src.strip() == "'self'"
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.parametrize(
    "url",
    [
        "/analyses/{id}/",
        "/analyses/{id}/status/",
        "/analyses/{id}/report/",
        "/analyses/{id}/file/",
        "/analyses/",
    ],
)
def test_health_data_is_never_cached(client, patient, url):
    analysis = AnalysisFactory(recording__owner=patient)
    client.force_login(patient)
    response = client.get(url.format(id=analysis.id))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_api_answers_are_never_cached(patient):
    analysis = AnalysisFactory(recording__owner=patient)
    api = APIClient()
    api.force_authenticate(patient)
    for url in (f"/api/v1/analyses/{analysis.id}/", "/api/v1/analyses/"):
        assert "no-store" in api.get(url)["Cache-Control"]


def test_no_template_holds_an_inline_script_or_handler():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and "application/json" not in tag:
                offenders.append(f"{path.name}: {tag}")
        offenders += [f"{path.name}: {m}" for m in re.findall(r"\son[a-z]+=\"", text)]
    assert not offenders, offenders
