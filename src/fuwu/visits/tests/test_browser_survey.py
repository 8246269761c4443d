"""A customer answers the survey link on a phone (Chromium, 390×844, no login): the page fits the
screen, the answer is taken once, the thank-you page follows and the link cannot answer again."""

from __future__ import annotations

from typing import Any

import pytest

from fuwu.testing.browser import DEFAULT_TIMEOUT_MS, PHONE, fits, overflowing
from fuwu.testing.cast import build_cast
from fuwu.visits import services
from fuwu.visits.models import Status, Visit
from fuwu.workorders.models import Status as WorkOrderStatus
from fuwu.workorders.models import WorkOrder

from .test_browser import finished_work_order


@pytest.mark.browser
def test_a_customer_answers_the_survey_on_a_phone(
    django_db_serialized_rollback: None, live_server: Any, chromium_browser: Any
) -> None:
    # (``django_db_serialized_rollback`` first: the migrations' rows are restored before the live
    # server opens the database, also after a test that emptied the tables)
    # built here, not by the ``cast`` fixture: its rows must come after the restored content types
    cast = build_cast()
    order = finished_work_order(cast)
    visit = Visit.objects.get(work_order=order, status=Status.DUE)
    sent = services.visit_send_survey(visit, by=cast.agent, method="wechat")
    path = sent.url.split("/service/", 1)[1]
    context = chromium_browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **PHONE)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    try:
        customer = context.new_page()
        customer.goto(f"{live_server.url}/service/{path}")
        customer.wait_for_selector('[data-testid="survey-form"]')
        assert "测试物业公司" in customer.inner_text('[data-testid="organisation-name"]')
        assert "漏水维修" in customer.inner_text('[data-testid="survey-about"]')
        assert cast.tech.display_name not in customer.content()
        assert fits(customer), overflowing(customer)
        # sending with a question left out: the page says which, nothing is taken
        customer.click('[data-question="timeliness"] label:has-text("满意")')
        customer.click('[data-testid="survey-submit"]')
        customer.wait_for_selector('[data-field="skill"]')
        assert Visit.objects.get(pk=visit.pk).status == Status.DUE
        assert fits(customer), overflowing(customer)
        for code in ("timeliness", "skill", "attitude"):
            customer.locator(f'[data-question="{code}"] label', has_text="满意").first.click()
        customer.fill('[data-question="suggestions"] textarea', "师傅很细心")
        customer.click('[data-testid="survey-submit"]')
        customer.wait_for_selector('[data-testid="survey-thanks"]')
        assert fits(customer), overflowing(customer)
        answered = Visit.objects.get(pk=visit.pk)
        assert (answered.status, answered.satisfied, answered.method) == (Status.DONE, True, "wechat")
        assert answered.answers["suggestions"] == "师傅很细心"
        assert WorkOrder.objects.get(pk=order.pk).status == WorkOrderStatus.VISITED
        # reloading the thank-you page is harmless; opening the link again shows the neutral page
        customer.reload()
        customer.wait_for_selector('[data-testid="survey-thanks"]')
        customer.goto(f"{live_server.url}/service/{path}")
        customer.wait_for_selector('[data-testid="survey-not-found"]')
        assert Visit.objects.get(pk=visit.pk).attempts == 1
    finally:
        context.close()
