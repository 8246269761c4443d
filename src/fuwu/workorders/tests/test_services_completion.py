"""Completion, the customer's confirmation (never before the work is done), warranty and fees (三包; no
collection without an invoice or receipt number, none before the head approved a paid service)."""

from __future__ import annotations

import base64
import io
from datetime import date

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from fuwu.approvals.models import ApprovalStatus
from fuwu.customers.services import product_add
from fuwu.lib.errors import ConflictError, PermissionDeniedError, ValidationFailed
from fuwu.notify.models import Notification, OutboxMessage
from fuwu.testing.sms import confirmation_code
from fuwu.timeline.models import Event
from fuwu.workorders import services as wo
from fuwu.workorders.models import ClockKind, Confirmation, FeeLine, Status

from .conftest import PNG_DATA_URL, allowed_actions, at

DONE_AT = at(2026, 11, 23, 11, 20)


def complete(cast, order, warranty_status="not_applicable", now=DONE_AT):
    return wo.work_order_complete(
        work_order=order,
        by=cast.tech,
        findings="角阀老化, 无拆修痕迹",
        work_done="更换角阀",
        warranty_status=warranty_status,
        minutes_spent=35,
        parts=[{"name": "角阀", "model": "DN15", "quantity": 1}],
        now=now,
    )


def sms_code(order) -> str:
    return confirmation_code(OutboxMessage.objects.filter(work_order=order).order_by("-id").first())


# --- confirmation -----------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["routed", "dispatched", "on_site", "awaiting_materials"])
def test_confirmation_is_refused_before_the_work_is_done(cast, steps, state):
    order = getattr(steps, state)()
    events = Event.objects.for_subject(order).count()
    with pytest.raises(ConflictError) as refused:
        wo.work_order_confirm(
            work_order=order,
            by=cast.agent,
            method="signature",
            signature=PNG_DATA_URL,
            confirmed_by_name="王先生",
            now=at(2026, 11, 23, 11, 0),
        )
    assert "confirm" not in allowed_actions(refused.value)
    assert refused.value.extra["status"] == state
    with pytest.raises(ConflictError):
        wo.work_order_send_confirmation_code(work_order=order, by=cast.agent, now=at(2026, 11, 23, 11, 0))
    assert not Confirmation.objects.exists()
    assert not OutboxMessage.objects.filter(body__contains="code").exists()
    assert Event.objects.for_subject(order).count() == events


def test_the_technician_is_offered_to_complete_not_to_confirm(cast, steps):
    order = steps.on_site()
    with pytest.raises(ConflictError) as refused:
        wo.work_order_confirm(
            work_order=order,
            by=cast.tech,
            method="signature",
            signature=PNG_DATA_URL,
            confirmed_by_name="王先生",
            now=at(2026, 11, 23, 11, 0),
        )
    assert "complete" in allowed_actions(refused.value)


def test_a_signature_confirms_a_completed_report_and_records_who_how_and_when(cast, steps):
    order = steps.on_site()
    report = complete(cast, order)
    assert (report.completed_by, report.completed_at, report.parts[0]["name"]) == (cast.tech, DONE_AT, "角阀")
    confirmation = wo.work_order_confirm(
        work_order=order,
        by=cast.tech,
        method="signature",
        signature=PNG_DATA_URL,
        confirmed_by_name="王先生",
        satisfied=True,
        now=at(2026, 11, 23, 11, 30),
    )
    order.refresh_from_db()
    assert order.status == Status.CONFIRMED
    assert order.confirmed_at == at(2026, 11, 23, 11, 30)
    assert (
        confirmation.method,
        confirmation.confirmed_by_name,
        confirmation.recorded_by,
        confirmation.confirmed_at,
    ) == ("signature", "王先生", cast.tech, at(2026, 11, 23, 11, 30))
    with confirmation.evidence.open("rb") as evidence:
        assert evidence.read().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "data:image/jpeg;base64," + base64.b64encode(b"\xff\xd8\xff\xe0 not a png").decode(),
        "data:image/png;base64,bm90IGEgcG5n",  # "not a png"
        "data:image/png;base64,%%%",
    ],
)
def test_a_signature_must_be_a_png_image(cast, steps, signature):
    order = steps.done()
    with pytest.raises(ValidationFailed) as refused:
        wo.work_order_confirm(
            work_order=order,
            by=cast.tech,
            method="signature",
            signature=signature,
            confirmed_by_name="王先生",
            now=at(2026, 11, 23, 11, 30),
        )
    assert set(refused.value.fields) == {"signature"}
    order.refresh_from_db()
    assert order.status == Status.DONE
    assert not Confirmation.objects.exists()


def test_an_sms_code_confirms_once_and_only_while_fresh(cast, steps):
    order = steps.done()
    wo.work_order_send_confirmation_code(work_order=order, by=cast.tech, now=at(2026, 11, 23, 11, 30))
    code = sms_code(order)

    def confirm(code, minute):
        return wo.work_order_confirm(
            work_order=order,
            by=cast.tech,
            method="sms_code",
            code=code,
            confirmed_by_name="王先生",
            now=at(2026, 11, 23, 11, minute),
        )

    # a wrong code is refused
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    with pytest.raises(ValidationFailed) as refused:
        confirm(wrong, 31)
    assert "code" in refused.value.fields
    # the right one after 15 minutes has expired
    with pytest.raises(ValidationFailed) as refused:
        confirm(code, 45)
    assert "code" in refused.value.fields
    assert not Confirmation.objects.exists()
    # a new code, read back in time, confirms
    wo.work_order_send_confirmation_code(work_order=order, by=cast.tech, now=at(2026, 11, 23, 11, 46))
    fresh = sms_code(order)
    confirmation = confirm(fresh, 50)
    assert confirmation.method == "sms_code"
    assert order.confirmation_codes.filter(used_at=at(2026, 11, 23, 11, 50)).count() == 1


def test_a_signed_paper_voucher_can_be_uploaded(cast, steps):
    order = steps.done()
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(buffer, "JPEG")
    voucher = SimpleUploadedFile("voucher.jpg", buffer.getvalue(), content_type="image/jpeg")
    confirmation = wo.work_order_confirm(
        work_order=order,
        by=cast.agent,
        method="paper_voucher",
        voucher=voucher,
        confirmed_by_name="王先生",
        now=at(2026, 11, 23, 14, 0),
    )
    assert confirmation.method == "paper_voucher"
    assert confirmation.evidence.name is not None
    assert confirmation.evidence.name.endswith(".jpeg")
    text = SimpleUploadedFile("voucher.jpg", b"not a picture", content_type="image/jpeg")
    with pytest.raises(ValidationFailed) as refused:
        wo.work_order_confirm(
            work_order=steps.done(),
            by=cast.agent,
            method="paper_voucher",
            voucher=text,
            confirmed_by_name="王先生",
            now=at(2026, 11, 23, 14, 0),
        )
    assert "voucher" in refused.value.fields


def test_a_refusal_to_confirm_goes_to_the_head_who_alone_closes_or_reopens(cast, steps):
    order = steps.done()
    wo.work_order_refuse_confirmation(
        work_order=order, by=cast.tech, reason="客户认为仍在渗水", now=at(2026, 11, 23, 11, 30)
    )
    # the head of the department is told
    told = Notification.objects.get(recipient=cast.head_repair, kind="confirmation_refused")
    assert told.body == "客户认为仍在渗水"
    # nobody else closes or reopens it, and no confirmation is taken behind the head's back
    for who in (cast.agent, cast.tech, cast.head_service):
        with pytest.raises(PermissionDeniedError):
            wo.work_order_close(work_order=order, by=who, reason="结案", now=at(2026, 11, 23, 12, 0))
        with pytest.raises(PermissionDeniedError):
            wo.work_order_reopen(work_order=order, by=who, reason="返修", now=at(2026, 11, 23, 12, 0))
    with pytest.raises(ConflictError):
        wo.work_order_confirm(
            work_order=order,
            by=cast.tech,
            method="signature",
            signature=PNG_DATA_URL,
            confirmed_by_name="王先生",
            now=at(2026, 11, 23, 12, 0),
        )
    # the head closes with a reason (required)
    with pytest.raises(ValidationFailed) as refused:
        wo.work_order_close(work_order=order, by=cast.head_repair, reason="", now=at(2026, 11, 23, 12, 0))
    assert "reason" in refused.value.fields
    order = wo.work_order_close(
        work_order=order, by=cast.head_repair, reason="经查已修复, 客户无理拒签", now=at(2026, 11, 23, 12, 0)
    )
    assert order.status == Status.CLOSED
    assert Notification.objects.filter(
        recipient=cast.agent, kind="result", title__contains=order.number
    ).exists()


def test_the_head_may_reopen_after_a_refusal_with_new_clocks(cast, steps):
    order = steps.done_refused()
    order = wo.work_order_reopen(
        work_order=order, by=cast.head_repair, reason="返修", now=at(2026, 11, 24, 9, 0)
    )
    assert (order.status, order.assignee, order.reopen_count, order.confirmation_refused) == (
        Status.ROUTED,
        None,
        1,
        False,
    )
    running = order.clocks.filter(is_active=True, met_at__isnull=True)
    assert sorted(running.values_list("kind", flat=True)) == ["arrival", "dispatch", "resolution"]
    assert running.get(kind=ClockKind.DISPATCH).due_at == at(2026, 11, 24, 9, 5)


# --- warranty and fees ------------------------------------------------------------------------


def test_in_warranty_the_work_is_free_and_no_fee_can_be_recorded(cast, steps):
    order = steps.on_site()
    complete(cast, order, warranty_status="in_warranty")
    order.refresh_from_db()
    assert not order.is_paid
    assert not order.approvals.exists()  # nothing to approve
    with pytest.raises(ConflictError) as refused:
        wo.work_order_record_fee(
            work_order=order,
            by=cast.tech,
            description="上门费",
            unit_price="30",
            now=at(2026, 11, 23, 11, 30),
        )
    assert "record-fee" not in allowed_actions(refused.value)
    assert not FeeLine.objects.exists()


@pytest.mark.parametrize("warranty_status", ["out_of_warranty", "misuse"])
def test_out_of_warranty_or_misuse_is_paid_after_the_heads_approval(cast, steps, warranty_status):
    order = steps.on_site()
    complete(cast, order, warranty_status=warranty_status)
    order.refresh_from_db()
    assert order.is_paid
    approval = order.approvals.get(kind="paid_service")
    assert approval.status == ApprovalStatus.PENDING
    assert Notification.objects.filter(recipient=cast.head_repair, kind="approval_requested").exists()
    fee_item = order.service_type.fee_items.get()

    # a fee line may be recorded, but not collected before the head approved (property preset)
    with pytest.raises(ValidationFailed) as refused:
        wo.work_order_record_fee(
            work_order=order,
            by=cast.tech,
            fee_item=fee_item,
            receipt_number="FP-0001",
            now=at(2026, 11, 23, 11, 30),
        )
    assert "receipt_number" in refused.value.fields
    line = wo.work_order_record_fee(
        work_order=order, by=cast.tech, fee_item=fee_item, quantity=2, now=at(2026, 11, 23, 11, 30)
    )
    assert (line.amount, line.is_collected) == (60, False)
    with pytest.raises(ValidationFailed) as refused:
        wo.work_order_collect_fee(
            work_order=order,
            by=cast.tech,
            fee_line_id=line.pk,
            receipt_number="FP-0001",
            now=at(2026, 11, 23, 11, 31),
        )
    assert "receipt_number" in refused.value.fields

    # the technician cannot approve; the head can
    with pytest.raises(PermissionDeniedError):
        wo.work_order_decide_paid_service(
            work_order=order, by=cast.tech, approve=True, now=at(2026, 11, 23, 11, 32)
        )
    wo.work_order_decide_paid_service(
        work_order=order, by=cast.head_repair, approve=True, now=at(2026, 11, 23, 11, 33)
    )

    # collecting without a receipt number is refused, with one it is recorded
    with pytest.raises(ValidationFailed) as refused:
        wo.work_order_collect_fee(
            work_order=order,
            by=cast.tech,
            fee_line_id=line.pk,
            receipt_number="  ",
            now=at(2026, 11, 23, 11, 34),
        )
    assert set(refused.value.fields) == {"receipt_number"}
    line.refresh_from_db()
    assert not line.is_collected
    line = wo.work_order_collect_fee(
        work_order=order,
        by=cast.tech,
        fee_line_id=line.pk,
        receipt_number="FP-0001",
        now=at(2026, 11, 23, 11, 35),
    )
    assert (line.is_collected, line.receipt_number, line.collected_by, line.collected_at) == (
        True,
        "FP-0001",
        cast.tech,
        at(2026, 11, 23, 11, 35),
    )
    # nothing left to collect
    with pytest.raises(ConflictError):
        wo.work_order_collect_fee(
            work_order=order,
            by=cast.tech,
            fee_line_id=line.pk,
            receipt_number="FP-0002",
            now=at(2026, 11, 23, 11, 36),
        )


def test_a_denied_paid_service_drops_the_fees_not_collected(cast, steps):
    order = steps.on_site()
    complete(cast, order, warranty_status="out_of_warranty")
    wo.work_order_record_fee(
        work_order=order, by=cast.tech, description="材料费", unit_price="45.5", now=at(2026, 11, 23, 11, 30)
    )
    order = wo.work_order_decide_paid_service(
        work_order=order,
        by=cast.head_repair,
        approve=False,
        note="客户为老年困难户, 免费",
        now=at(2026, 11, 23, 11, 40),
    )
    assert not order.is_paid
    assert not order.fees.exists()


def test_the_fee_item_must_be_on_the_service_types_schedule_and_amounts_valid(cast, steps, enquiry):
    order = steps.on_site()
    complete(cast, order, warranty_status="out_of_warranty")
    from fuwu.catalogue.services import service_type_update

    service_type_update(
        service_type=enquiry, by=cast.admin, fee_items=[{"name": "咨询费", "unit": "次", "price": "10.00"}]
    )
    with pytest.raises(ValidationFailed) as refused:
        wo.work_order_record_fee(
            work_order=order,
            by=cast.tech,
            fee_item=enquiry.fee_items.get(),
            quantity=0,
            unit_price="-1",
            now=at(2026, 11, 23, 11, 30),
        )
    assert set(refused.value.fields) == {"fee_item_id", "quantity", "unit_price"}
    assert not FeeLine.objects.exists()


def test_in_warranty_cannot_be_claimed_for_a_product_whose_warranty_ended(cast, receive, household):
    product = product_add(
        customer=household,
        by=cast.agent,
        name="燃气热水器",
        model="JSQ25",
        serial="A123",
        sale_date=date(2023, 5, 1),
        warranty_ends_on=date(2026, 4, 30),
    )
    order = receive(product=product)
    wo.work_order_dispatch(
        work_order=order, by=cast.head_repair, technician=cast.tech, now=at(2026, 11, 23, 10, 3)
    )
    with pytest.raises(ValidationFailed) as refused:
        complete(cast, order, warranty_status="in_warranty")
    assert "warranty_status" in refused.value.fields
    assert "2026-04-30" in refused.value.fields["warranty_status"][0]
    order.refresh_from_db()
    assert order.status == Status.DISPATCHED
    assert not order.reports.exists()
    # out of warranty is accepted, and is paid
    complete(cast, order, warranty_status="out_of_warranty")
    order.refresh_from_db()
    assert order.status == Status.DONE
    assert order.is_paid


def test_warranty_is_checked_on_the_day_of_completion(cast, receive, household):
    product = product_add(
        customer=household,
        by=cast.agent,
        name="燃气热水器",
        sale_date=date(2025, 11, 23),
        warranty_ends_on=date(2026, 11, 23),
    )
    order = receive(product=product)
    wo.work_order_dispatch(
        work_order=order, by=cast.head_repair, technician=cast.tech, now=at(2026, 11, 23, 10, 3)
    )
    # the last day of the warranty, late in the evening (local time): still in warranty
    complete(cast, order, warranty_status="in_warranty", now=at(2026, 11, 23, 23, 59))
    order.refresh_from_db()
    assert not order.is_paid


def test_a_code_dies_after_five_wrong_tries(cast, receive):
    # given a done work order whose customer was sent a code
    cache.clear()
    order = receive()
    wo.work_order_dispatch(
        work_order=order, by=cast.head_repair, technician=cast.tech, now=at(2026, 11, 23, 10, 5)
    )
    wo.work_order_arrive(work_order=order, by=cast.tech, now=at(2026, 11, 23, 10, 30))
    wo.work_order_complete(
        work_order=order,
        by=cast.tech,
        findings="f",
        work_done="w",
        warranty_status="in_warranty",
        minutes_spent=10,
        now=at(2026, 11, 23, 11, 0),
    )
    wo.work_order_send_confirmation_code(work_order=order, by=cast.tech, now=at(2026, 11, 23, 11, 1))
    code = confirmation_code(OutboxMessage.objects.filter(work_order=order).latest("id"))
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    # when five wrong codes are tried
    for _ in range(5):
        with pytest.raises(ValidationFailed):
            wo.work_order_confirm(
                work_order=order,
                by=cast.tech,
                method="sms_code",
                code=wrong,
                confirmed_by_name="王先生",
                now=at(2026, 11, 23, 11, 2),
            )

    # then even the right code is refused until a new one is sent
    with pytest.raises(ValidationFailed) as error:
        wo.work_order_confirm(
            work_order=order,
            by=cast.tech,
            method="sms_code",
            code=code,
            confirmed_by_name="王先生",
            now=at(2026, 11, 23, 11, 3),
        )
    assert "code" in error.value.fields


def test_pending_approvals_are_withdrawn_when_the_work_order_is_cancelled(cast, receive):
    order = receive()
    wo.work_order_request_extension(
        work_order=order,
        by=cast.agent,
        clock="resolution",
        amount=2,
        unit="working_days",
        reason="等配件",
        now=at(2026, 11, 23, 10, 10),
    )
    wo.work_order_cancel(work_order=order, by=cast.agent, reason="客户自行修好", now=at(2026, 11, 23, 10, 20))
    assert order.approvals.get().status == ApprovalStatus.WITHDRAWN
