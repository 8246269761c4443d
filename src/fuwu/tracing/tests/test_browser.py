"""End to end in Chromium on a 390 px phone, as at the counter and the packing table: 老赵 registers a
batch of 市第一医院 (a row added for a second item), signs 回收 with the counts; after 清点 and 清洗 he
signs 检查包装, a double-check step — the page then waits for a second person and offers him no
confirmation (a forged one is refused); 小钱 opens the batch on her own phone with her own login and
confirms it, and the batch moves on to 灭菌. No page is wider than the phone's screen."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from fuwu.testing.browser import PHONE, fits, new_page, overflowing
from fuwu.testing.cast import build_cast
from fuwu.tracing.models import Batch, StepSignature

from .conftest import sign

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 9, 21, 9, 0, tzinfo=SHANGHAI)  # a Monday


def status_of(page: Any) -> str:
    return str(page.get_attribute('[data-testid="status"]', "data-status"))


@pytest.mark.browser
def test_sign_a_step_and_a_second_person_confirms_the_double_check_on_phones(
    live_server: Any,
    django_db_serialized_rollback: None,
    chromium_browser: Any,
    browser_login: Callable[..., Any],
) -> None:
    with time_machine.travel(START, tick=True):
        cast = build_cast()
        base = live_server.url

        # 老赵 registers the batch on his phone, adding a row for a second item
        tech = new_page(chromium_browser, live_server, browser_login, "tech", PHONE)
        tech.goto(f"{base}/tracing/new/")
        assert fits(tech), overflowing(tech)
        tech.fill("#id_unit_name", "市第一医院")
        tech.fill("#id_items-0-name", "换药包")
        tech.fill("#id_items-0-packages", "2")
        tech.fill("#id_items-0-pieces", "10")
        tech.fill("#id_items-1-name", "止血钳")
        tech.fill("#id_items-1-pieces", "6")
        tech.fill("#id_destination", "市第一医院门诊部")
        with tech.expect_navigation():
            tech.click('[data-testid="add-row"]')
        assert tech.locator("[data-item-row]").count() == 4
        assert tech.input_value("#id_items-1-name") == "止血钳"
        tech.fill("#id_items-3-name", "弯盘")
        tech.fill("#id_items-3-pieces", "4")
        with tech.expect_navigation():
            tech.click('[data-testid="submit"]')
        tech.wait_for_url(re.compile(r"/tracing/\d+/"))
        batch = Batch.objects.get()
        assert tech.inner_text('[data-testid="number"]') == batch.number
        assert [(i.name, i.packages, i.pieces) for i in batch.items.all()] == [
            ("换药包", 2, 10),
            ("止血钳", 0, 6),
            ("弯盘", 0, 4),
        ]
        assert fits(tech), overflowing(tech)

        # he signs 回收: the counts are prefilled with what was registered
        form = 'form[data-action-form="sign"]'
        wan = batch.items.get(name="弯盘")
        assert tech.input_value(f"{form} [name=pieces_{wan.pk}]") == "4"
        with tech.expect_navigation():
            tech.click(f'{form} button[data-action="sign"]')
        tech.wait_for_selector("#actions .alert-success")
        assert status_of(tech) == "collect"
        assert cast.tech.display_name in tech.inner_text('[data-step="collect"] [data-testid="signed-by"]')
        assert fits(tech), overflowing(tech)

        # 清点 and 清洗 signed meanwhile; then 检查包装, a double check
        sign(cast, batch, "count", now=START)
        sign(cast, batch, "clean", now=START)
        tech.reload()
        assert tech.is_visible('[data-testid="double-check"]')
        with tech.expect_navigation():
            tech.click(f'{form} button[data-action="sign"]')
        tech.wait_for_selector("#actions .alert-success")
        assert tech.is_visible('[data-testid="pending"]')
        assert tech.is_visible('[data-testid="wait-for-second"]')
        assert tech.locator('form[data-action-form="confirm"]').count() == 0
        assert tech.locator(form).count() == 0
        assert status_of(tech) == "clean"
        assert fits(tech), overflowing(tech)
        # forged by him anyway: refused, nothing confirmed
        refused = tech.request.post(
            f"{base}/tracing/{batch.pk}/confirm/",
            form={"step": "pack", "csrfmiddlewaretoken": tech.input_value('[name="csrfmiddlewaretoken"]')},
            headers={"Referer": f"{base}/tracing/{batch.pk}/"},
        )
        assert refused.status == 403
        assert StepSignature.objects.get(batch=batch, step="pack").confirmed_by is None

        # 小钱 confirms it on her phone, with her own login
        checker = new_page(chromium_browser, live_server, browser_login, "tech2", PHONE)
        checker.goto(f"{base}/tracing/{batch.pk}/")
        assert fits(checker), overflowing(checker)
        assert cast.tech.display_name in checker.inner_text('[data-testid="pending"]')
        assert not checker.is_visible('[data-testid="wait-for-second"]')
        with checker.expect_navigation():
            checker.click('form[data-action-form="confirm"] button[data-action="confirm"]')
        checker.wait_for_selector("#actions .alert-success")
        assert status_of(checker) == "pack"
        assert cast.tech2.display_name in checker.inner_text(
            '[data-step="pack"] [data-testid="confirmed-by"]'
        )
        assert checker.locator('[data-step="sterilise"][data-state="next"]').count() == 1
        assert checker.locator('form[data-action-form="sign"]').count() == 1  # 灭菌 is next
        assert fits(checker), overflowing(checker)
        pack = StepSignature.objects.get(batch=batch, step="pack")
        assert (pack.signed_by, pack.confirmed_by) == (cast.tech, cast.tech2)
        batch.refresh_from_db()
        assert (batch.status, batch.next_step, batch.awaiting_check) == ("pack", "sterilise", False)

        # the list on the phone: the batch waits for 灭菌
        checker.goto(f"{base}/tracing/")
        assert fits(checker), overflowing(checker)
        assert batch.number in checker.inner_text(f'[data-batch="{batch.pk}"]')
        for page in (tech, checker):
            page.context.close()
