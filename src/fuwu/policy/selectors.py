"""Reading the active policy. (Skeleton: the policy helper replaces the body, keeping the signature.)"""

from __future__ import annotations

from typing import Any

from .schema import PolicyDocument


def active_policy(organisation: Any) -> PolicyDocument:
    """The organisation's active policy document (the preset's defaults until one is published)."""
    return PolicyDocument()


def sla_class_names(organisation: Any) -> set[str]:
    """Names of the SLA classes the organisation's active policy defines (service types refer to one)."""
    return {"standard", "urgent", "emergency"}
