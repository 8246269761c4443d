"""End to end in Chromium: a hotline agent takes a phone complaint on the intake page (the caller
looked up by phone, their history shown), the head of the handling department works it on a 390 px
phone — investigation, assessment, plan, approval, execution, reply — with the quality role deciding
responsibility, and the agent records the customer's answer and closes it. On the phone no page is
wider than the screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fuwu.complaints import services
from fuwu.complaints.models import Complaint, PenaltyProposal, Status
from fuwu.customers.services import customer_create
from fuwu.testing.browser import DESKTOP, PHONE, fits, new_page, overflowing
from fuwu.testing.cast import build_cast, leak_repair_for_browser


def take(
    page: Any, action: str, fill: dict[str, str] | None = None, select: dict[str, Any] | None = None
) -> None:
    """Open the action's form on the complaint page, fill it in, send it, wait for the success."""
    form = f'form[data-action-form="{action}"]'
    if not page.locator(form).is_visible():
        page.click(f'[data-action-toggle="{action}"]')
    for name, value in (select or {}).items():
        page.select_option(f"{form} [name={name}]", value)
    for name, value in (fill or {}).items():
        page.fill(f"{form} [name={name}]", value)
    page.click(f'{form} button[data-action="{action}"]')
    page.wait_for_selector("#actions .alert-success")


def status_of(page: Any) -> str:
    return str(page.get_attribute('[data-testid="status"]', "data-status"))


@pytest.mark.browser
def test_phone_complaint_to_closure_with_the_head_on_a_phone(
    live_server: Any,
    django_db_serialized_rollback: None,
    chromium_browser: Any,
    browser_login: Callable[..., Any],
) -> None:
    # given the cast, the leak-repair service of 工程维修部 and a known household
    cast = build_cast()
    leak_repair_for_browser(cast)
    household = customer_create(
        organisation=cast.organisation,
        by=cast.agent,
        name="王先生",
        department=cast.service,
        addresses=[{"building": "12号楼", "unit": "3单元", "room": "1502室"}],
        phones=[{"number": "13912345678", "label": "手机"}],
    )
    base = live_server.url

    # when the agent takes the call: types the caller's number and picks the customer offered
    agent = new_page(chromium_browser, live_server, browser_login, "agent", DESKTOP)
    agent.goto(f"{base}/complaints/new/")
    assert agent.evaluate("document.activeElement.name") == "caller_phone"
    assert not agent.locator("#id_received_at").is_visible()  # a call is registered as it comes in
    agent.locator("#id_caller_phone").press_sequentially("13912345678")
    agent.wait_for_selector('[data-testid="customer-history"]')
    agent.click(f'[data-pick-customer="{household.pk}"]')
    assert agent.input_value("#id_caller_name") == "王先生"
    assert agent.evaluate("document.activeElement.name") == "subject"
    agent.fill("#id_subject", "维修工态度恶劣")
    agent.select_option("#id_object", "service_attitude")
    agent.fill("#id_description", "维修工上门时与客户争吵，问题也没有解决")
    agent.fill("#id_demand", "要求道歉并重新维修")
    agent.select_option("#id_service_type", label="漏水维修")
    agent.select_option("#id_department", str(cast.repair.pk))
    agent.click("#intake-submit")
    agent.wait_for_selector('[data-testid="number"]')

    complaint = Complaint.objects.get()
    assert complaint.number in agent.locator(".alert-success").inner_text()
    assert complaint.customer_id == household.pk
    assert complaint.first_contact_owner == cast.agent
    assert status_of(agent) == Status.ACKNOWLEDGED  # acknowledged at intake: the caller spoke to us
    assert agent.get_attribute('[data-clock="acknowledge"]', "data-outcome") == "met"

    # the head of 工程维修部 works it on the phone: the department's list, then the complaint
    head = new_page(chromium_browser, live_server, browser_login, "head_repair", PHONE)
    head.goto(f"{base}/complaints/")
    assert fits(head), overflowing(head)
    head.click(f'tr[data-number="{complaint.number}"] a')
    head.wait_for_selector('[data-testid="number"]')
    assert fits(head), overflowing(head)
    take(head, "start-investigation", fill={"note": "已联系客户，今天上门了解"})
    assert status_of(head) == Status.INVESTIGATING
    assert fits(head), overflowing(head)
    take(
        head,
        "assess",
        select={
            "validity": "valid",
            "object": "service_attitude",
            "cause_type": "non_quality",
            "severity": "general",
        },
        fill={"note": "客户所述属实"},
    )
    assert fits(head), overflowing(head)

    # the quality role decides cause and responsibility (a penalty is proposed for the technician)
    quality = new_page(chromium_browser, live_server, browser_login, "quality", PHONE)
    quality.goto(f"{base}/complaints/{complaint.pk}/")
    take(
        quality,
        "assign-responsibility",
        select={"department": str(cast.repair.pk), "persons": [str(cast.tech.pk)]},
        fill={"cause": "维修工与客户沟通不当"},
    )
    assert fits(quality), overflowing(quality)
    assert PenaltyProposal.objects.filter(complaint=complaint, person=cast.tech).exists()

    # the head proposes the plan; a general complaint's plan is approved by a head
    head.reload()
    take(head, "propose-plan", fill={"plan": "主管带维修工上门道歉，重新维修"})
    assert status_of(head) == Status.PLAN_PROPOSED
    assert fits(head), overflowing(head)
    complaint.refresh_from_db()
    approver = head
    if "approve-plan" not in {a.value for a in services.allowed_actions(cast.head_repair, complaint)}:
        approver = new_page(chromium_browser, live_server, browser_login, "director", PHONE)
        approver.goto(f"{base}/complaints/{complaint.pk}/")
    take(approver, "approve-plan", fill={"note": "同意"})
    assert status_of(approver) == Status.PLANNED
    assert fits(approver), overflowing(approver)

    # executed and replied, from the phone
    head.reload()
    take(head, "execute", fill={"note": "已上门道歉并更换角阀"})
    assert status_of(head) == Status.EXECUTED
    take(head, "reply", select={"method": "phone"}, fill={"text": "已处理完毕，再次向您致歉"})
    assert status_of(head) == Status.REPLIED
    assert fits(head), overflowing(head)

    # the agent calls the customer back: satisfied; the complaint is closed
    agent.goto(f"{base}/complaints/{complaint.pk}/")
    take(
        agent,
        "record-customer-answer",
        select={"outcome": "satisfied", "method": "phone"},
        fill={"comment": "满意"},
    )
    assert status_of(agent) == Status.ANSWERED
    take(agent, "close", fill={"note": "客户满意"})
    assert status_of(agent) == Status.CLOSED

    # then every step is on the record, and the head's phone shows the closed complaint whole
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED
    assert complaint.answer is not None
    assert complaint.answer.outcome == "satisfied"
    assert complaint.clocks.filter(kind="investigation", met_at__isnull=False).exists()
    assert complaint.clocks.filter(kind="reply", met_at__isnull=False).exists()
    head.goto(f"{base}/complaints/{complaint.pk}/")
    assert fits(head), overflowing(head)
    timeline = head.locator('[data-testid="timeline"]').inner_text()
    assert timeline.count("\n") > 8
    head.goto(f"{base}/complaints/penalties/?tab=to_decide")
    assert fits(head), overflowing(head)
    assert head.locator(f'[data-penalty="{PenaltyProposal.objects.get().pk}"]').count() == 1
    for page in {id(p): p for p in (agent, head, quality, approver)}.values():
        page.context.close()


@pytest.mark.browser
def test_complaint_lists_and_page_fit_a_phone(
    live_server: Any,
    django_db_serialized_rollback: None,
    chromium_browser: Any,
    browser_login: Callable[..., Any],
) -> None:
    cast = build_cast()
    leak_repair_for_browser(cast)
    long_text = "高新区科技园南区深南大道一万零八号创新大厦B座十七层" * 2
    made = []
    for index in range(3):
        made.append(
            services.complaint_create(
                organisation=cast.organisation,
                by=cast.agent,
                data=services.ComplaintInput(
                    channel="phone",
                    subject="维修工态度恶劣" * 8,
                    description="维修工上门时态度恶劣" * 20,
                    caller_name=f"客户{index}",
                    caller_phone=f"1371111222{index}",
                    address=long_text,
                    department_id=cast.repair.pk,
                ),
            )
        )
    base = live_server.url
    for username in ("head_repair", "agent"):
        page = new_page(chromium_browser, live_server, browser_login, username, PHONE)
        for path in (
            "/complaints/",
            "/complaints/?tab=all",
            "/complaints/?tab=department",
            "/complaints/?tab=overdue",
            "/complaints/?tab=awaiting_approval",
            "/complaints/?tab=repeated",
            f"/complaints/{made[0].pk}/",
            "/complaints/penalties/",
            "/complaints/new/",
            "/",
        ):
            page.goto(f"{base}{path}")
            assert fits(page), (username, path, page.evaluate("document.documentElement.scrollWidth"))
        page.context.close()
