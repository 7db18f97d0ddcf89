"""Template helpers shared by every page's forms."""

from __future__ import annotations

from django import template
from django.forms import BoundField

register = template.Library()


@register.filter
def bs(field: BoundField) -> str:
    """Render a form field's widget with the Bootstrap class that fits its type."""
    widget_type = field.widget_type
    if widget_type in {"checkbox", "radioselect", "checkboxselectmultiple"}:
        css = "form-check-input"
    elif widget_type in {"select", "selectmultiple"}:
        css = "form-select"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    existing = field.field.widget.attrs.get("class", "")
    return field.as_widget(attrs={"class": f"{existing} {css}".strip()})
