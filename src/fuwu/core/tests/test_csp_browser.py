"""The Content Security Policy in a real Chromium: the pages keep working (htmx, Bootstrap, fuwu.js)
and the browser reports no violation, neither in the console nor as a securitypolicyviolation event."""

from __future__ import annotations

from typing import Any

import pytest

from fuwu.customers.services import customer_create
from fuwu.testing.browser import DEFAULT_TIMEOUT_MS, login
from fuwu.testing.cast import build_cast, leak_repair_for_browser
from fuwu.workorders.services import work_order_create

# Runs before any page script (through the DevTools protocol, which the page's policy does not govern).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline") + " "
                              + event.sourceFile + ":" + event.lineNumber);
});
"""


class Watched:
    """A page whose console errors, page errors and CSP violations are all collected."""

    def __init__(self, browser: Any) -> None:
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        self.context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        self.context.add_init_script(RECORD_VIOLATIONS)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on(
            "console",
            lambda message: (
                self.problems.append(f"console {message.type}: {message.text}")
                if message.type == "error" or "Content Security Policy" in message.text
                else None
            ),
        )
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on(
            "response",
            lambda response: (
                self.problems.append(f"{response.status} {response.url}") if response.status >= 400 else None
            ),
        )

    def check(self, where: str) -> None:
        violations = self.page.evaluate("window.__cspViolations || []")
        assert (where, violations, self.problems) == (where, [], [])

    def close(self) -> None:
        self.context.close()


@pytest.mark.browser
def test_pages_work_under_the_content_security_policy_with_no_violation(
    live_server: Any, django_db_serialized_rollback: None, chromium_browser: Any
) -> None:
    # given: the cast, a service type, a known household and one work order to open
    cast = build_cast()
    leak = leak_repair_for_browser(cast, materials=[{"name": "身份证明", "is_required": True}])
    household = customer_create(
        organisation=cast.organisation,
        by=cast.agent,
        name="王先生",
        department=cast.service,
        addresses=[{"building": "12号楼", "unit": "3单元", "room": "1502室"}],
        phones=[{"number": "13912345678", "label": "手机"}],
    )
    order = work_order_create(
        organisation=cast.organisation,
        by=cast.agent,
        channel="phone",
        service_type=leak,
        customer=household,
        description="卫生间漏水",
    )
    base = live_server.url
    agent = Watched(chromium_browser)
    page = agent.page
    try:
        # the sign-in page: the policy is sent, and the language switch (fuwu.js) still submits itself
        response = page.goto(f"{base}/login/")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        with page.expect_navigation():
            page.select_option("#language-select", "en")
        assert page.evaluate("document.documentElement.lang") == "en"
        assert page.locator("h1").inner_text() == "Sign in"
        agent.check("login")

        login(page, live_server, "agent")
        agent.check("home")

        page.goto(f"{base}/work-orders/")
        page.wait_for_selector(f"text={order.number}")
        # Bootstrap's JavaScript: the "coming next" dropdown opens
        page.click("#nav-upcoming")
        page.wait_for_selector("#nav-upcoming + .dropdown-menu.show")
        agent.check("work-order list")

        # intake: htmx looks the caller up as one types; picking the match fills the form (fuwu.js)
        page.goto(f"{base}/work-orders/new/")
        page.locator("#id_caller_phone").press_sequentially("13912345678")
        page.click(f'[data-pick-customer="{household.pk}"]')
        assert page.input_value("#id_caller_name") == "王先生"
        assert page.input_value("#id_building") == "12号楼"
        page.select_option("#id_service_type", label="漏水维修")
        page.wait_for_selector('input[name="materials_received"][value="身份证明"]')
        agent.check("intake")

        # the API documentation (Swagger UI from the package's own files)
        page.goto(f"{base}/api/v1/docs")
        page.wait_for_selector(".swagger-ui .info")
        agent.check("API docs")
    finally:
        agent.close()

    # detail, as the head who dispatches: a link to #action-dispatch opens that form (fuwu.js), and
    # the chosen technician's notice shows under the list
    head = Watched(chromium_browser)
    try:
        login(head.page, live_server, "head_repair")
        head.page.goto(f"{base}/work-orders/{order.pk}/#action-dispatch")
        head.page.wait_for_selector("details#action-dispatch[open]")
        head.page.select_option("#id_dispatch_technician", str(cast.tech.pk))
        head.check("detail")
    finally:
        head.close()
