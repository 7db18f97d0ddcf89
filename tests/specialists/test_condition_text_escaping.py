"""Administrator-written text is shown as text: HTML never runs, simple lists still work."""

from __future__ import annotations

import pytest

from specialists.models import Condition
from specialists.templatetags.specialists_tags import plain_text

pytestmark = pytest.mark.django_db


def test_plain_text_makes_paragraphs_and_bullet_lists():
    html = plain_text("First line.\nSame paragraph.\n\nCauses are:\n- smoking\n- salt\n\nEnd.")
    assert html == (
        "<p>First line.<br>Same paragraph.</p>\n<p>Causes are:</p>\n"
        "<ul><li>smoking</li><li>salt</li></ul>\n<p>End.</p>"
    )


def test_plain_text_escapes_html_in_paragraphs_and_list_items():
    html = plain_text('<b>bold</b>\n- <img src=x onerror="alert(1)">')
    assert "<b>" not in html and "<img" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "<li>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</li>" in html


def test_a_condition_page_shows_html_typed_by_an_administrator_as_text(client):
    condition = Condition.objects.get(class_code="PVC")
    condition.title = "PVC <script>alert('title')</script>"
    condition.summary = "<em>summary</em>"
    condition.symptoms = "<script>alert('x')</script>\n- <a href='javascript:alert(1)'>tap</a>"
    condition.sources = "Evil | javascript:alert(1)\nGood <i>source</i> | https://example.org/"
    condition.save()
    content = client.get(condition.get_absolute_url()).content.decode()
    assert "<script>alert" not in content
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in content
    assert "<em>summary</em>" not in content
    assert 'href="javascript:' not in content and "href='javascript:" not in content
    assert "Good &lt;i&gt;source&lt;/i&gt;" in content
