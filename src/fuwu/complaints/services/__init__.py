"""Complaint services: one function per business verb, one transaction, one timeline event.

Every interface (pages, API, public page, commands) goes through these.
"""

from __future__ import annotations

from .context import Context, allowed_actions, facts_of, policy_of

__all__ = ["Context", "allowed_actions", "facts_of", "policy_of"]
