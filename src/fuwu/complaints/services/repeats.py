"""Repeat detection (重复投诉): a new complaint by the same customer about the same matter as an
earlier one — received within the policy's window (``complaints.repeat_window_days``) before it, or
received earlier and still open — is a repeat of the earliest such complaint, and is linked to it
(``Complaint.repeat_of``).

- Same customer: the same customer record, or the same phone number, or the same address (a caller
  who rings from a number we know under another customer record is still the same complainant).
- Same matter: the same service type, or the same product, or the same linked work order. A new
  complaint that names none of them is about no matter we can compare: it is not a repeat.
- A complaint merged into another (并单) is a duplicate, not an original: the one it was merged into
  counts instead.

One query whatever the number of complaints: for each way of being the same customer, the earliest
candidate read from its own index (``cp_customer``, ``cp_phone``, ``cp_address``), then the earliest
of those.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q, Subquery

from ..models import OPEN_STATUSES, Complaint, Status


def _phone_key(phone: str) -> str:
    """Phone numbers as intake stores them, without the spaces and dashes people type."""
    return "".join(ch for ch in (phone or "") if ch not in " -")


def find_repeat_of(
    *,
    organisation_id: int,
    customer_id: int | None,
    caller_phone: str,
    address: str,
    service_type_id: int | None,
    product_id: int | None,
    work_order_id: int | None,
    received_at: datetime,
    window_days: int,
) -> Complaint | None:
    """The earliest complaint of the organisation that the new one (received at ``received_at``)
    repeats, or None: received within ``window_days`` before ``received_at``, or before it and still
    open (a customer calling again about a matter still being handled repeats it, however long ago)."""
    # Each way of being the same customer is looked up on its own, so that each reads its own index
    # (an OR across columns would read every complaint of the organisation).
    same_customer: list[Q] = []
    if customer_id is not None:
        same_customer.append(Q(customer_id=customer_id))
    phone = _phone_key(caller_phone)
    if phone:
        same_customer.append(Q(caller_phone=phone))
        if phone != (caller_phone or "").strip():
            same_customer.append(Q(caller_phone=(caller_phone or "").strip()))
    place = (address or "").strip()
    if place:
        same_customer.append(Q(address=place))
    same_matter = Q()
    if service_type_id is not None:
        same_matter |= Q(service_type_id=service_type_id)
    if product_id is not None:
        same_matter |= Q(product_id=product_id)
    if work_order_id is not None:
        same_matter |= Q(work_order_id=work_order_id)
    if not same_customer or not same_matter:
        return None
    since = received_at - timedelta(days=window_days)
    candidates = (
        Complaint.objects.filter(organisation_id=organisation_id, received_at__lte=received_at)
        .filter(Q(received_at__gte=since) | Q(status__in=OPEN_STATUSES))
        .exclude(status=Status.MERGED)
        .filter(same_matter)
        .order_by()
    )
    # The earliest candidate of each arm (an index walk from the oldest, stopping at the first that
    # qualifies), then the earliest of those: one statement, a few index reads, whatever the
    # customer's number of complaints.
    earliest = Q()
    for condition in same_customer:
        earliest |= Q(
            pk=Subquery(candidates.filter(condition).order_by("received_at", "id").values("pk")[:1])
        )
    return Complaint.objects.filter(earliest).order_by("received_at", "id").first()
