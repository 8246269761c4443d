"""Reading the service catalogue: every member of staff of the organisation may read it."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from fuwu import visibility
from fuwu.visibility import service_types_for_user

from .models import ServiceType

__all__ = ["service_type_get", "service_types_for_user", "service_types_list"]


def service_types_list(
    *, user: Any, category: str | None = None, is_active: bool | None = None, q: str | None = None
) -> QuerySet[ServiceType]:
    service_types = service_types_for_user(user)
    if category:
        service_types = service_types.filter(category=category)
    if is_active is not None:
        service_types = service_types.filter(is_active=is_active)
    if q and q.strip():
        text = q.strip()
        service_types = service_types.filter(Q(name__icontains=text) | Q(code__icontains=text))
    return service_types.select_related("default_department").prefetch_related("materials", "fee_items")


def service_type_get(*, user: Any, pk: Any) -> ServiceType:
    return visibility.get_visible_or_404(service_types_list(user=user), pk=pk)
