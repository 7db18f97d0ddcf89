"""Render administrator-written plain text safely: paragraphs and bullet lists, no HTML.

Every piece of text is escaped first; the only markup produced is <p>, <br>, <ul>, <li>.
"""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

BULLETS = ("- ", "* ", "• ")


def _is_bullet(line: str) -> bool:
    return line.lstrip().startswith(BULLETS)


@register.filter(is_safe=True)
def plain_text(value: object) -> SafeString:
    """Blank lines separate blocks; lines starting with "- " become list items.

    A block may start with a lead-in line followed by bullets ("Common causes are:").
    """
    text = str(value or "").replace("\r\n", "\n").replace("\r", "\n")
    html: list[str] = []
    for block in text.split("\n\n"):
        lines = [line for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        paragraph: list[str] = []
        items: list[str] = []

        def flush_paragraph() -> None:
            if paragraph:
                html.append("<p>" + "<br>".join(escape(p.strip()) for p in paragraph) + "</p>")
                paragraph.clear()

        def flush_items() -> None:
            if items:
                html.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>")
                items.clear()

        for line in lines:
            if _is_bullet(line):
                flush_paragraph()
                items.append(line.lstrip()[2:].strip())
            else:
                flush_items()
                paragraph.append(line)
        flush_paragraph()
        flush_items()
    # Safe: every user-supplied fragment above went through escape().
    return mark_safe("\n".join(html))  # noqa: S308


@register.filter
def km(value: float | None) -> str:
    """A distance for people: "850 m", "4.2 km", "1,234 km"."""
    if value is None:
        return ""
    if value < 1:
        return f"{max(round(value * 1000, -1), 10):.0f} m"
    if value < 10:
        return f"{value:.1f} km"
    return f"{value:,.0f} km"
