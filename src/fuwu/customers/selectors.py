"""Reading customers. Everything starts from ``visibility.customers_for_user``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest

from fuwu import visibility
from fuwu.lib.paging import count_up_to
from fuwu.lib.search import search_q
from fuwu.org.models import Organisation, User

from .models import Address, Customer, Phone, Product, ServiceAgreement


def staff(request: HttpRequest) -> User:
    """The signed-in member of staff (views and endpoints are behind login / API auth)."""
    return cast(User, request.user)


def staff_organisation(request: HttpRequest) -> Organisation:
    organisation = staff(request).organisation
    if organisation is None:
        raise Http404
    return organisation


def _variants(value: str, *suffixes: str) -> list[str]:
    """``12`` / ``12号楼`` / ``12栋`` all name the same building (data is written either way)."""
    value = value.strip()
    for suffix in suffixes:
        if value.endswith(suffix) and len(value) > len(suffix):
            value = value[: -len(suffix)]
            break
    return [value, *(value + suffix for suffix in suffixes)]


def _digits(value: str) -> str:
    return "".join(ch for ch in value or "" if ch.isdigit())


def customers_list(
    *,
    user: Any,
    kind: str | None = None,
    department_id: int | None = None,
    building: str | None = None,
    room: str | None = None,
    q: str | None = None,
    phone: str | None = None,
) -> QuerySet[Customer]:
    """Visible customers, filtered; phones and addresses prefetched (query count independent of rows).

    ``phone`` matches any part of a number's digits (the last four digits a caller reads out work);
    ``q`` is a Chinese keyword search over name, notes, addresses, phones, agreements and products.
    """
    customers = visibility.customers_for_user(user)
    if kind:
        customers = customers.filter(kind=kind)
    if department_id:
        customers = customers.filter(department_id=department_id)
    if building or room:
        addresses = Address.objects.filter(customer=OuterRef("pk"))
        if building:
            addresses = addresses.filter(Q(building__in=_variants(building, "号楼", "栋", "幢", "座")))
        if room:
            addresses = addresses.filter(Q(room__in=_variants(room, "室", "号")))
        customers = customers.filter(Exists(addresses))
    if phone and (digits := _digits(phone)):
        customers = customers.filter(
            Exists(Phone.objects.filter(customer=OuterRef("pk"), digits__contains=digits))
        )
    if q and q.strip():
        customers = customers.filter(search_q(q))
    return (
        customers.select_related("department").prefetch_related("phones", "addresses").order_by("name", "id")
    )


def customer_get(*, user: Any, pk: Any) -> Customer:
    """One visible customer with everything the archive page shows; Http404 when not visible."""
    customers = (
        visibility.customers_for_user(user)
        .select_related("department", "organisation")
        .prefetch_related("addresses", "phones", "contacts", "agreements", "products")
    )
    return visibility.get_visible_or_404(customers, pk=pk)


def customer_find_by_phone(*, user: Any, number: str) -> QuerySet[Customer]:
    """Visible customers with a phone whose digits equal ``number``'s digits exactly (caller ID)."""
    digits = _digits(number)
    if not digits:
        return visibility.customers_for_user(user).none()
    return (
        visibility.customers_for_user(user)
        .filter(Exists(Phone.objects.filter(customer=OuterRef("pk"), digits=digits)))
        .select_related("department")
        .prefetch_related("phones", "addresses")
        .order_by("name", "id")
    )


# --- suggestions while the caller is on the line -------------------------------------------------

SUGGESTIONS_SHOWN = 10
COUNT_UP_TO = 1000


@dataclass(frozen=True)
class Suggestions:
    """Customers suggested for what the agent typed, and how many matched in all."""

    customers: list[Customer]
    total: int  # every match, counted up to COUNT_UP_TO
    total_exact: bool  # False: more than ``total`` matched
    exact_phone: bool  # the caller's whole number is on file
    searched: bool  # enough was typed to search

    @property
    def more(self) -> bool:
        """More matched than are shown: the agent should type more."""
        return self.total > len(self.customers) or not self.total_exact


def customer_suggestions(
    *, user: Any, phone: str = "", text: str = "", limit: int = SUGGESTIONS_SHOWN
) -> Suggestions:
    """Visible customers matching what the agent types at intake: the caller's whole number first,
    then any part of it of at least four digits; when the number finds nobody (or none was typed), a
    building, room or name (``customers_list``'s keyword search: 5栋2单元404, a surname). The first
    ``limit``, with the number of all matches (counted only when more than ``limit`` came back)."""
    digits = _digits(phone)
    text = (text or "").strip()
    candidates: list[tuple[QuerySet[Customer], bool]] = []
    if len(digits) >= 4:
        candidates += [
            (customer_find_by_phone(user=user, number=digits), True),
            (customers_list(user=user, phone=digits), False),
        ]
    if text:
        candidates.append((customers_list(user=user, q=text), False))
    for queryset, exact in candidates:
        found = list(queryset[:limit])
        if found:
            total, total_exact = (
                (len(found), True) if len(found) < limit else count_up_to(queryset, COUNT_UP_TO)
            )
            return Suggestions(
                customers=found, total=total, total_exact=total_exact, exact_phone=exact, searched=True
            )
    return Suggestions(customers=[], total=0, total_exact=True, exact_phone=False, searched=bool(candidates))


def products_for_user(user: Any) -> QuerySet[Product]:
    return Product.objects.filter(customer__in=visibility.customers_for_user(user)).select_related("customer")


def product_get(*, user: Any, pk: Any) -> Product:
    return visibility.get_visible_or_404(products_for_user(user), pk=pk)


def agreement_get(*, user: Any, pk: Any) -> ServiceAgreement:
    agreements = ServiceAgreement.objects.filter(
        customer__in=visibility.customers_for_user(user)
    ).select_related("customer")
    return visibility.get_visible_or_404(agreements, pk=pk)
