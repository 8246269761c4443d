"""Showing timeline events in the user's language (the registry: fuwu.timeline.display)."""

from __future__ import annotations

from typing import Any

from django import template

from fuwu.lib import display as fmt

from ..display import shown_events

register = template.Library()


@register.simple_tag(takes_context=True)
def timeline_rows(context: template.Context, events: Any) -> list[Any]:
    """``{% timeline_rows events as rows %}``: the events rendered for the page's reader."""
    request = context.get("request")
    return shown_events(events or [], getattr(request, "user", None))


@register.simple_tag
def colon() -> str:
    """The colon between a label and its value: ``：`` in Chinese, ``: `` in English."""
    return "：" if fmt.is_chinese() else ": "
