"""Everyone, signed in or not, can reach the directory and the condition pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_see_specialists_and_heart_conditions_in_the_menu(client):
    content = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("specialists:directory")}">Specialists</a>' in content
    assert f'href="{reverse("conditions:index")}">Heart conditions</a>' in content
    assert "Review queue" not in content


def test_a_doctor_keeps_the_doctor_area_alongside_the_new_links(client, doctor):
    client.force_login(doctor)
    content = client.get(reverse("home")).content.decode()
    assert "Specialists</a>" in content and "Review queue" in content
