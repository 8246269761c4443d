"""Values as people read them, in templates: ``{% load display %}`` (rules: fuwu.lib.display)."""

from __future__ import annotations

from typing import Any

from django import template

from fuwu.lib import display as fmt

register = template.Library()


@register.filter
def system_text(value: Any) -> Any:
    """A sentence the system stored (a notification title, an approval's reason) in the reader's language."""
    return fmt.system_text(value)


@register.filter
def yes_no(value: Any) -> str:
    return fmt.yes_no(value)


@register.filter
def money(value: Any) -> str:
    return fmt.money(value)


@register.filter
def minutes(value: Any) -> str:
    return fmt.minutes(value)


@register.filter
def local_time(value: Any) -> str:
    return fmt.local_time(value)


@register.filter
def choice_label(code: Any, choices: Any) -> str:
    """``{{ approval.clock_kind|choice_label:clock_kinds }}`` with a ``TextChoices`` class in the context."""
    return fmt.choice_label(choices, code)


@register.simple_tag
def duration(amount: Any, unit: str) -> str:
    """``{% duration approval.extension_amount approval.extension_unit %}`` → 2 个工作日."""
    return fmt.duration(amount, unit)
