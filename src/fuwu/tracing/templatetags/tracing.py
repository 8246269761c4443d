"""``{% counts packages pieces %}``: an item's count as people read it (3 包 / 12 件)."""

from __future__ import annotations

from typing import Any

from django import template

from ..display import counts_text

register = template.Library()


@register.simple_tag
def counts(packages: Any, pieces: Any) -> str:
    return counts_text(packages, pieces)
