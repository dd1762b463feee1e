"""``{% portal_sections as sections %}``: the role sections of the admin index
(see :mod:`portal.home`)."""

from __future__ import annotations

from django import template

from portal.home import Section, sections_for

register = template.Library()


@register.simple_tag(takes_context=True)
def portal_sections(context: template.Context) -> list[Section]:
    request = context.get("request")
    return sections_for(request) if request is not None else []
