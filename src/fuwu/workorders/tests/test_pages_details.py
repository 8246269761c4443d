"""Small things on the work-order pages: the one-time notice's checklist heading, ISO dates in the
list's date filters, the technician-view button looks like a button."""

from __future__ import annotations

import re
from typing import Any

import pytest

from fuwu.testing.markup import fragment

from .conftest import at

NOW = at(2026, 11, 23, 10, 5)


@pytest.fixture(autouse=True)
def frozen(time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)


def test_the_notice_form_heads_its_checkboxes_materials_received(cast, web, receive):
    order = receive()

    html = web(cast.agent).get(f"/work-orders/{order.pk}/").content.decode()

    form = html.split('data-action-form="notice-missing"')[1].split("</form>")[0]
    assert "已收到材料" in form  # "Materials received"
    assert "已受理" not in form  # the status "received" is another thing


def test_the_date_filters_are_date_inputs_with_iso_values(cast, web, receive):
    html = (
        web(cast.agent)
        .get("/work-orders/?tab=all&received_from=2026-11-01&received_to=2026-11-23")
        .content.decode()
    )

    for name, value in (("received_from", "2026-11-01"), ("received_to", "2026-11-23")):
        tag = fragment(rf'<input[^>]*name="{name}"[^>]*>', html)
        assert 'type="date"' in tag
        assert f'value="{value}"' in tag


def test_the_technician_view_link_is_a_button(cast, web):
    html = web(cast.tech).get("/work-orders/").content.decode()

    tag = fragment(r'<a [^>]*data-testid="technician-view"[^>]*>', html)
    assert re.search(r'class="btn btn-sm btn-(primary|secondary|success)"', tag)  # a filled button
