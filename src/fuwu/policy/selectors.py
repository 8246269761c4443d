"""Reading the active policy. (Skeleton: the policy helper replaces the body, keeping the signature.)"""

from __future__ import annotations

from typing import Any

from .schema import PolicyDocument


def active_policy(organisation: Any) -> PolicyDocument:
    """The organisation's active policy document (the preset's defaults until one is published)."""
    return PolicyDocument()
