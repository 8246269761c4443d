"""Recompute every ``search_text`` column (after the search dictionary changed)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from fuwu.customers.models import Customer
from fuwu.customers.services import refresh_search_text
from fuwu.workorders.models import WorkOrder
from fuwu.workorders.services import work_order_search_text

BATCH = 1000


class Command(BaseCommand):
    help = "Recompute the keyword-search words of customers and work orders."

    def handle(self, *args: Any, **options: Any) -> None:
        customers = 0
        for customer in Customer.objects.iterator(chunk_size=BATCH):
            with transaction.atomic():
                refresh_search_text(customer)
            customers += 1
        orders = 0
        queryset = WorkOrder.objects.select_related("customer", "service_type", "product").order_by("pk")
        batch: list[WorkOrder] = []
        for work_order in queryset.iterator(chunk_size=BATCH):
            work_order.search_text = work_order_search_text(work_order)
            batch.append(work_order)
            if len(batch) == BATCH:
                WorkOrder.objects.bulk_update(batch, ["search_text"])
                orders += len(batch)
                batch = []
        WorkOrder.objects.bulk_update(batch, ["search_text"])
        orders += len(batch)
        self.stdout.write(f"search words recomputed: {customers} customers, {orders} work orders")
