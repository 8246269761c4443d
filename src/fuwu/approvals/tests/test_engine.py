"""The approvals engine with work orders as its first process: one pending approval per record and
kind, a decision taken once, the inbox across kinds for exactly who may decide (page and API), and
its cost bounded whatever the number of rows."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from fuwu.approvals import selectors
from fuwu.approvals import services as approvals
from fuwu.approvals.models import Approval, ApprovalStatus
from fuwu.lib.errors import ConflictError, ValidationFailed
from fuwu.timeline.models import Event
from fuwu.workorders import services as wo
from fuwu.workorders.models import Status
from fuwu.workorders.tests.conftest import at


def refusal(cast, order):
    wo.work_order_request_rejection(
        work_order=order,
        by=cast.agent,
        kind="rejection",
        reason="公共管道, 不属于户内维修",
        answer="该漏水属公共管道, 请联系物业管理处",
        now=at(2026, 11, 23, 10, 2),
    )
    return order.approvals.get(status=ApprovalStatus.PENDING)


def deferral(cast, order):
    wo.work_order_request_rejection(
        work_order=order,
        by=cast.agent,
        kind="cannot_do_now",
        reason="需整栋停水更换立管",
        answer="需整栋停水更换立管, 物业统一安排后上门维修",
        deferred_until=date(2026, 11, 30),
        now=at(2026, 11, 23, 10, 2),
    )
    return order.approvals.get(status=ApprovalStatus.PENDING)


def extension(cast, order):
    wo.work_order_request_extension(
        work_order=order,
        by=cast.agent,
        clock="resolution",
        amount=2,
        unit="working_days",
        reason="需订购配件",
        now=at(2026, 11, 23, 10, 5),
    )
    return order.approvals.get(status=ApprovalStatus.PENDING, kind="extension")


def test_a_second_pending_approval_of_the_same_kind_for_a_record_is_refused(cast, receive):
    order = receive()
    first = refusal(cast, order)
    # the engine refuses it with a field error…
    with pytest.raises(ValidationFailed) as refused:
        approvals.request(
            record=order,
            kind="rejection",
            approver_role="department_head",
            reason="again",
            requested_by=cast.agent,
            now=at(2026, 11, 23, 10, 3),
        )
    assert "kind" in refused.value.fields
    # …and the database too (one pending per record and kind)
    with pytest.raises(IntegrityError), transaction.atomic():
        Approval.objects.create(
            organisation=cast.organisation,
            content_type=first.content_type,
            object_id=order.pk,
            kind="rejection",
            approver_role="department_head",
            reason="behind the service's back",
            requested_by=cast.agent,
            requested_at=at(2026, 11, 23, 10, 3),
        )
    # another kind for the same record may wait beside it
    assert extension(cast, order).kind == "extension"
    assert approvals.approvals_of(order).filter(status=ApprovalStatus.PENDING).count() == 2


def test_a_decision_is_taken_once_the_second_is_refused_clearly(cast, receive):
    order = receive()
    approval = refusal(cast, order)
    approvals.approve(approval, by=cast.head_repair, note="同意", now=at(2026, 11, 23, 10, 30))
    events = Event.objects.for_subject(order).count()
    order.refresh_from_db()
    assert order.status == Status.REJECTED
    # a second decision from an old copy of the row (the director's page, opened before): 409
    with pytest.raises(ConflictError):
        approvals.deny(approval, by=cast.director, note="不同意", now=at(2026, 11, 23, 10, 31))
    approval.refresh_from_db()
    assert (approval.status, approval.decided_by) == (ApprovalStatus.APPROVED, cast.head_repair)
    assert Event.objects.for_subject(order).count() == events


def test_a_decision_through_the_engine_is_the_process_decision_with_its_one_event(cast, receive):
    order = receive()
    approval = extension(cast, order)
    due = order.clocks.get(kind="resolution", is_active=True).due_at
    before = Event.objects.for_subject(order).count()
    approvals.approve(approval, by=cast.director, now=at(2026, 11, 23, 11, 0))  # the policy: a director
    assert order.clocks.get(kind="resolution", is_active=True).due_at > due
    events = list(Event.objects.for_subject(order).order_by("-id")[:1])
    assert Event.objects.for_subject(order).count() == before + 1
    assert events[0].action == "work_order.extension_approved"


def test_the_inbox_lists_two_kinds_for_the_approver_and_nothing_for_a_technician(cast, receive, web, api):
    refused, deferred, extended = receive(), receive(), receive()
    refusal(cast, refused)
    deferral(cast, deferred)
    extension(cast, extended)  # the policy has a director decide extensions
    assert sorted(selectors.inbox(cast.head_repair).values_list("kind", flat=True)) == [
        "cannot_do_now",
        "rejection",
    ]
    assert sorted(selectors.inbox(cast.director).values_list("kind", flat=True)) == [
        "cannot_do_now",
        "extension",
        "rejection",
    ]
    # the API says the same, with the kinds' labels and the records
    answer = api(cast.head_repair, "en").get("approvals")
    assert answer.status_code == 200
    items = answer.json()["items"]
    assert sorted((i["kind"], i["record"]["title"]) for i in items) == sorted(
        [("rejection", refused.number), ("cannot_do_now", deferred.number)]
    )
    assert {i["kind_label"] for i in items} == {"Refusal (red light)", "Cannot be done now (red light)"}
    assert all(i["record"]["type"] == "workorders.workorder" for i in items)
    assert {i["record"]["url"] for i in items} == {
        f"/work-orders/{refused.pk}/",
        f"/work-orders/{deferred.pk}/",
    }
    assert answer.json()["count"] == 2
    # the page lists both, links each record, and the navigation shows the count
    page = web(cast.head_repair).get("/approvals/")
    text = page.content.decode()
    assert page.status_code == 200
    assert text.count('data-testid="approval"') == 2
    assert refused.number in text
    assert deferred.number in text
    assert extended.number not in text
    assert 'data-testid="nav-badge">2<' in text
    # a technician: nothing, and no inbox in the navigation
    assert not selectors.inbox(cast.tech).exists()
    assert api(cast.tech).get("approvals").json() == {"items": [], "count": 0}
    tech_page = web(cast.tech).get("/approvals/").content.decode()
    assert 'data-testid="approval"' not in tech_page
    assert 'href="/approvals/"' not in web(cast.tech).get("/").content.decode()


@pytest.mark.parametrize("who", ["head_service", "tech", "quality", "outsider"])
def test_someone_who_may_not_decide_sees_none_of_it_and_gets_404(cast, receive, web, api, who):
    # the order is handled by 工程维修部: the head of 客服中心 (who received it) does not decide it
    order = receive()
    approval = refusal(cast, order)
    person = getattr(cast, who)
    assert api(person).get("approvals").json()["items"] == []
    assert approval.pk not in [
        i["id"] for i in api(person).get("approvals", {"status": "approved"}).json()["items"]
    ]
    for path in (f"approvals/{approval.pk}/approve", f"approvals/{approval.pk}/deny"):
        answer = api(person).post(path, {"note": "x"})
        assert answer.status_code == 404
        assert order.number not in answer.content.decode()
    assert web(person).post(f"/approvals/{approval.pk}/approve/").status_code == 404
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.PENDING


def test_a_confidential_record_above_the_heads_clearance_is_not_in_their_inbox(cast, receive, api, web):
    # 秘密 (1): above the head of 工程维修部's clearance (0); the director (3) decides it instead
    order = receive(by=cast.director, confidentiality=1)
    wo.work_order_request_rejection(
        work_order=order,
        by=cast.director,
        kind="rejection",
        reason="不属于服务范围",
        answer="不属于服务范围",
        now=at(2026, 11, 23, 10, 2),
    )
    approval = order.approvals.get()
    assert not selectors.inbox(cast.head_repair).exists()
    assert api(cast.head_repair).post(f"approvals/{approval.pk}/approve", {}).status_code == 404
    assert order.number not in web(cast.head_repair).get("/approvals/").content.decode()
    assert [a.pk for a in selectors.inbox(cast.director)] == [approval.pk]


def test_two_taps_on_the_page_approve_and_a_denial_needs_its_note(cast, receive, web):
    refused, extended = receive(), receive()
    approval = refusal(cast, refused)
    ext = deferral(cast, extended)
    client = web(cast.head_repair)
    # deny a refusal without a note: refused, nothing changed, the page says why
    answer = client.post(f"/approvals/{approval.pk}/deny/", {"note": ""}, follow=True)
    assert answer.status_code == 200
    assert "alert-danger" in answer.content.decode()
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.PENDING
    # tap Approve, tap Confirm: the refusal is approved, the work order rejected, the row gone
    answer = client.post(f"/approvals/{approval.pk}/approve/", {"note": ""})
    assert answer.status_code == 302
    assert answer["Location"] == "/approvals/"
    refused.refresh_from_db()
    assert refused.status == Status.REJECTED
    # the deferral denied with its note
    client.post(f"/approvals/{ext.pk}/deny/", {"note": "户内管道, 可以维修"})
    ext.refresh_from_db()
    assert ext.status == ApprovalStatus.DENIED
    assert 'data-testid="approval"' not in client.get("/approvals/").content.decode()
    # deciding again: a clear message, not an error page
    again = client.post(f"/approvals/{approval.pk}/approve/", follow=True)
    assert again.status_code == 200


def test_api_decisions_run_the_same_services_and_a_second_gets_409(cast, receive, api):
    order = receive()
    approval = refusal(cast, order)
    head = api(cast.head_repair, "en")
    missing = head.post(f"approvals/{approval.pk}/deny", {})
    assert missing.status_code == 422
    assert "note" in missing.json()["error"]["fields"]
    denied = head.post(f"approvals/{approval.pk}/deny", {"note": "户内管道, 应维修"})
    assert denied.status_code == 200
    assert denied.json()["status"] == "denied"
    assert denied.json()["decided_by"]["id"] == cast.head_repair.pk
    order.refresh_from_db()
    assert order.status != Status.AWAITING_APPROVAL
    again = api(cast.director).post(f"approvals/{approval.pk}/approve", {})
    assert again.status_code == 409
    # bounded inputs: 422 naming the field
    assert head.get("approvals", {"limit": 100000}).status_code == 422
    assert head.get("approvals", {"status": "nonsense"}).status_code == 422
    assert head.post(f"approvals/{approval.pk}/approve", {"note": "x" * 3000}).status_code == 422
    assert head.post(f"approvals/{approval.pk}/approve", {"other": 1}).status_code == 422


def test_a_deferral_approved_from_the_inbox_keeps_the_day_asked_for(cast, receive):
    order = receive()
    approval = deferral(cast, order)
    assert approval.details["deferred_until"] == "2026-11-30"
    approvals.approve(approval, by=cast.head_repair, now=at(2026, 11, 23, 10, 30))
    order.refresh_from_db()
    assert (order.status, order.deferred_until) == (Status.DEFERRED, date(2026, 11, 30))


def test_the_inbox_costs_the_same_queries_for_two_rows_as_for_twelve(cast, receive, web, api):
    def count(path, client_get):
        client_get(path)  # once before: the token's "last used" and the session are written then
        with CaptureQueriesContext(connection) as captured:
            assert client_get(path).status_code == 200
        return len(captured)

    for _ in range(2):
        refusal(cast, receive())
    page, listing = web(cast.director), api(cast.director)
    few = (count("/approvals/", page.get), count("approvals", listing.get))
    for _ in range(5):
        refusal(cast, receive())
        extension(cast, receive())
    many = (count("/approvals/", page.get), count("approvals", listing.get))
    assert len(selectors.inbox(cast.director)) == 12
    assert many == few
    assert many[0] <= 15
    assert many[1] <= 10
