"""Administrators manage specialists and edit condition pages in the Django admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from specialists.models import Condition
from tests.specialists.factories import SpecialistFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(administrator):
    # Administrators made with createsuperuser have every permission; an administrator made
    # by role alone needs the model permissions, as here.
    administrator.user_permissions.set(
        Permission.objects.filter(content_type__app_label="specialists")
    )
    return administrator


def test_the_specialist_list_searches_and_filters(client, administrator):
    SpecialistFactory(name="Dr Findable", city="Oslo")
    SpecialistFactory(name="Dr Hidden", city="Rome")
    client.force_login(administrator)
    url = reverse("admin:specialists_specialist_changelist")
    content = client.get(url, {"q": "findable"}).content.decode()
    assert "Dr Findable" in content and "Dr Hidden" not in content
    content = client.get(url, {"city": "Rome"}).content.decode()
    assert "Dr Hidden" in content and "Dr Findable" not in content


def test_an_administrator_edits_a_condition_page_and_the_site_shows_it(client, administrator):
    condition = Condition.objects.get(class_code="APC")
    client.force_login(administrator)
    change_url = reverse("admin:specialists_condition_change", args=[condition.pk])
    assert client.get(change_url).status_code == 200
    condition.summary = "Edited without a deploy."
    condition.save()
    assert "Edited without a deploy." in client.get(condition.get_absolute_url()).content.decode()


def test_two_pages_cannot_claim_the_same_model_class():
    from django.core.exceptions import ValidationError

    duplicate = Condition.objects.get(class_code="PVC")
    duplicate.pk = None
    duplicate.slug = "pvc-copy"
    with pytest.raises(ValidationError, match="class code already exists"):
        duplicate.full_clean()
