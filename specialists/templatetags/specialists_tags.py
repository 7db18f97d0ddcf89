"""Render administrator-written plain text safely: paragraphs and bullet lists, no HTML.

Every piece of text is escaped first; the only markup produced is <p>, <br>, <ul>, <li>.
"""

from __future__ import annotations

from itertools import groupby

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
        # Consecutive lines of the same kind (bullet or not) make one <ul> or one <p>.
        for is_list, run in groupby(lines, key=_is_bullet):
            if is_list:
                items = (escape(line.lstrip()[2:].strip()) for line in run)
                html.append("<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>")
            else:
                html.append("<p>" + "<br>".join(escape(line.strip()) for line in run) + "</p>")
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
