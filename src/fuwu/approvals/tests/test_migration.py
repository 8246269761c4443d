"""The data migration: every workorders.ApprovalRequest becomes an approvals.Approval of its work
order, the work-order columns in ``details``; then the old table is dropped."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from fuwu.approvals.models import Approval
from fuwu.workorders.models import WorkOrder
from fuwu.workorders.tests.conftest import at

BEFORE = [("approvals", "0001_approvals"), ("workorders", "0006_number_sequence_moved_to_numbering")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_copies_every_approval_request_of_the_work_orders(cast, receive):
    order = receive()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    ApprovalRequest = old.get_model("workorders", "ApprovalRequest")
    ApprovalRequest.objects.create(
        work_order_id=order.pk,
        kind="cannot_do_now",
        status="approved",
        approver_role="department_head",
        reason="需整栋停水更换立管",
        answer="物业统一安排后上门维修",
        status_before="routed",
        deferred_until=date(2026, 11, 30),
        requested_by_id=cast.agent.pk,
        requested_at=at(2026, 11, 23, 10, 2),
        decided_by_id=cast.head_repair.pk,
        decided_at=at(2026, 11, 23, 10, 30),
        decision_note="同意暂缓",
    )
    ApprovalRequest.objects.create(
        work_order_id=order.pk,
        kind="extension",
        status="pending",
        approver_role="director",
        reason="需订购配件",
        clock_kind="resolution",
        extension_amount=2,
        extension_unit="working_days",
        requested_by_id=cast.agent.pk,
        requested_at=at(2026, 11, 23, 11, 0),
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    copied = list(Approval.objects.order_by("requested_at"))
    assert len(copied) == 2
    deferral, pending = copied
    work_order_type = ContentType.objects.get_for_model(WorkOrder)
    assert all(a.content_type_id == work_order_type.pk and a.object_id == order.pk for a in copied)
    assert all(a.organisation_id == cast.organisation.pk for a in copied)
    assert deferral.department_id == cast.repair.pk
    assert (deferral.kind, deferral.status, deferral.answer, deferral.decision_note) == (
        "cannot_do_now",
        "approved",
        "物业统一安排后上门维修",
        "同意暂缓",
    )
    assert (deferral.requested_by_id, deferral.decided_by_id) == (cast.agent.pk, cast.head_repair.pk)
    assert deferral.decided_at == at(2026, 11, 23, 10, 30)
    assert deferral.details == {"status_before": "routed", "deferred_until": "2026-11-30"}
    assert (pending.kind, pending.status, pending.approver_role) == ("extension", "pending", "director")
    assert pending.details == {
        "clock_kind": "resolution",
        "extension_amount": 2,
        "extension_unit": "working_days",
    }
    # and the work order reads them as its own
    assert sorted(WorkOrder.objects.get(pk=order.pk).approvals.values_list("kind", flat=True)) == [
        "cannot_do_now",
        "extension",
    ]
    assert "workorders_approvalrequest" not in connection.introspection.table_names()
