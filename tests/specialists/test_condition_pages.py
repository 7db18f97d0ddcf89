"""Every model class has a seeded condition page; every page renders with its sources."""

from __future__ import annotations

import pytest
from django.urls import reverse

from specialists.models import BeatClass, Condition
from specialists.services import condition_for_class

pytestmark = pytest.mark.django_db

COMMON = ["atrial-fibrillation", "heart-failure", "coronary-artery-disease", "high-blood-pressure"]


def test_every_model_class_has_a_published_page_from_the_data_migration():
    for code in BeatClass.values:
        condition = condition_for_class(code)
        assert condition is not None, code
        assert condition.class_code == code and condition.is_published


def test_common_heart_conditions_are_seeded_too():
    slugs = set(Condition.objects.published().values_list("slug", flat=True))
    assert set(COMMON) <= slugs
    assert {"bradycardia", "supraventricular-tachycardia", "long-qt-syndrome"} <= slugs


def test_condition_for_class_ignores_case_and_unknown_codes():
    assert condition_for_class("pvc") == condition_for_class("PVC")
    assert condition_for_class("XYZ") is None
    assert condition_for_class("") is None


def test_an_unpublished_page_is_hidden_everywhere(client):
    Condition.objects.filter(class_code="PVC").update(is_published=False)
    assert condition_for_class("PVC") is None
    slug = Condition.objects.get(class_code="PVC").slug
    assert client.get(reverse("conditions:detail", args=[slug])).status_code == 404


def test_every_page_renders_all_sections_sources_and_a_directory_link(client):
    for condition in Condition.objects.published():
        response = client.get(condition.get_absolute_url())
        assert response.status_code == 200, condition.slug
        content = response.content.decode()
        for heading in (
            "What it is",
            "Signs and symptoms",
            "Causes and risk factors",
            "How a doctor confirms it",
            "When to get emergency help",
            "What can help",
            "Sources",
        ):
            assert heading in content, (condition.slug, heading)
        sources = condition.source_list()
        assert len(sources) >= 2, condition.slug
        assert all(url.startswith("https://") for _title, url in sources), condition.slug
        assert f'href="{sources[0][1]}"' in content
        directory = f"/specialists/?specialty={condition.directory_specialty}"
        assert directory in content, condition.slug


def test_the_text_is_short_sentences_a_child_can_read():
    # A rough readability guard: no sentence in the seeded pages runs past 30 words.
    for condition in Condition.objects.all():
        for _heading, text, _urgent in condition.sections():
            for line in text.splitlines():
                for sentence in line.split(". "):
                    assert len(sentence.split()) <= 30, (condition.slug, sentence)


def test_the_index_groups_beat_types_and_conditions(client):
    content = client.get(reverse("conditions:index")).content.decode()
    beats = content.index("Heartbeat types the model reports")
    conditions = content.index("Heart conditions</h2>")
    assert beats < content.index("Premature ventricular contraction (PVC)") < conditions
    assert conditions < content.index("Atrial fibrillation (AF)")


def test_an_unknown_page_is_a_404(client):
    assert client.get(reverse("conditions:detail", args=["no-such-thing"])).status_code == 404
