"""Every work-order approval request (workorders.ApprovalRequest) becomes an approvals.Approval of
the work order; the work-order-specific columns go into ``details``. Ids are not kept (PostgreSQL's
sequence would not know them). Reversible: the rows go back to the old table."""

from django.db import migrations

BATCH = 1000
DETAIL_FIELDS = ("status_before", "clock_kind", "extension_amount", "extension_unit")


def _content_type(apps):
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _created = ContentType.objects.get_or_create(app_label="workorders", model="workorder")
    return content_type


def copy_forward(apps, schema_editor):
    ApprovalRequest = apps.get_model("workorders", "ApprovalRequest")
    Approval = apps.get_model("approvals", "Approval")
    content_type = _content_type(apps)
    batch = []
    requests = ApprovalRequest.objects.select_related("work_order").order_by("id")
    for old in requests.iterator(chunk_size=BATCH):
        details = {name: getattr(old, name) for name in DETAIL_FIELDS if getattr(old, name) not in ("", None)}
        if old.deferred_until is not None:
            details["deferred_until"] = old.deferred_until.isoformat()
        work_order = old.work_order
        batch.append(
            Approval(
                organisation_id=work_order.organisation_id,
                content_type_id=content_type.pk,
                object_id=work_order.pk,
                department_id=work_order.department_id or work_order.intake_department_id,
                kind=old.kind,
                status=old.status,
                approver_role=old.approver_role,
                reason=old.reason,
                answer=old.answer,
                details=details,
                requested_by_id=old.requested_by_id,
                requested_at=old.requested_at,
                decided_by_id=old.decided_by_id,
                decided_at=old.decided_at,
                decision_note=old.decision_note,
            )
        )
        if len(batch) >= BATCH:
            Approval.objects.bulk_create(batch)
            batch = []
    Approval.objects.bulk_create(batch)


def copy_back(apps, schema_editor):
    import datetime

    ApprovalRequest = apps.get_model("workorders", "ApprovalRequest")
    Approval = apps.get_model("approvals", "Approval")
    content_type = _content_type(apps)
    mine = Approval.objects.filter(content_type_id=content_type.pk).order_by("id")
    batch = []
    for new in mine.iterator(chunk_size=BATCH):
        details = new.details or {}
        day = details.get("deferred_until")
        batch.append(
            ApprovalRequest(
                work_order_id=new.object_id,
                kind=new.kind,
                status=new.status,
                approver_role=new.approver_role,
                reason=new.reason,
                answer=new.answer,
                status_before=details.get("status_before", ""),
                clock_kind=details.get("clock_kind", ""),
                deferred_until=datetime.date.fromisoformat(day) if day else None,
                extension_amount=details.get("extension_amount"),
                extension_unit=details.get("extension_unit", ""),
                requested_by_id=new.requested_by_id,
                requested_at=new.requested_at,
                decided_by_id=new.decided_by_id,
                decided_at=new.decided_at,
                decision_note=new.decision_note,
            )
        )
        if len(batch) >= BATCH:
            ApprovalRequest.objects.bulk_create(batch)
            batch = []
    ApprovalRequest.objects.bulk_create(batch)
    mine.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0001_approvals"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("workorders", "0006_number_sequence_moved_to_numbering"),
    ]

    operations = [migrations.RunPython(copy_forward, copy_back)]
