"""Notifications and outbox messages of a work order point at it as their generic subject."""

from django.db import migrations


def work_order_to_subject(apps, schema_editor):
    """A notification or outbox message of a work order points at it as its subject, with the
    order's organisation, number (its title) and page (its link)."""
    from django.db.models import CharField, F, OuterRef, Subquery, Value
    from django.db.models.functions import Cast, Concat

    ContentType = apps.get_model("contenttypes", "ContentType")
    WorkOrder = apps.get_model("workorders", "WorkOrder")
    work_order_type, _ = ContentType.objects.get_or_create(app_label="workorders", model="workorder")
    order = WorkOrder.objects.filter(pk=OuterRef("work_order_id"))
    for name in ("Notification", "OutboxMessage"):
        apps.get_model("notify", name).objects.filter(work_order__isnull=False).update(
            subject_type=work_order_type,
            subject_id=F("work_order_id"),
            organisation_id=Subquery(order.values("organisation_id")[:1]),
            subject_title=Subquery(order.values("number")[:1]),
            link=Concat(Value("/work-orders/"), Cast(F("work_order_id"), CharField()), Value("/")),
        )


def subject_to_work_order(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    work_order_type = ContentType.objects.filter(app_label="workorders", model="workorder").first()
    if work_order_type is None:
        return
    from django.db.models import F

    for name in ("Notification", "OutboxMessage"):
        apps.get_model("notify", name).objects.filter(subject_type=work_order_type).update(
            work_order_id=F("subject_id")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("notify", "0002_generic_subject_deliveries_robots_preferences"),
        ("workorders", "0001_work_orders_clocks_approvals_reports_fees"),
    ]

    operations = [migrations.RunPython(work_order_to_subject, subject_to_work_order)]
