"""The SMS outbox page: in development and test an administrator reads there the confirmation code a
technician sent the customer; nobody else sees it, and production hides it unless switched on."""

from __future__ import annotations

import pytest

from fuwu.notify.models import OutboxMessage
from fuwu.testing.sms import confirmation_code
from fuwu.workorders import services as wo

from .conftest import at


@pytest.fixture
def code_sent(steps, cast):
    order = steps.done()
    wo.work_order_send_confirmation_code(work_order=order, by=cast.tech, now=at(2026, 11, 23, 11, 30))
    sms = OutboxMessage.objects.get(work_order=order)
    return order, confirmation_code(sms)


def test_an_administrator_reads_the_confirmation_code_on_the_outbox_page(
    cast, web, code_sent, django_assert_max_num_queries
):
    order, code = code_sent
    client = web(cast.admin)

    home = client.get("/").content.decode()
    assert 'href="/notifications/outbox/"' in home  # in the administrator's navigation
    with django_assert_max_num_queries(12):
        page = client.get("/notifications/outbox/")

    assert page.status_code == 200
    body = page.content.decode()
    assert code in body
    assert order.number in body
    assert [m.subject_id for m in page.context["page"]] == [order.pk]


def test_newest_first_and_paginated(cast, web, code_sent):
    order, code = code_sent
    for _ in range(55):
        OutboxMessage.objects.create(to=order.caller_phone, body="reminder", subject=order)
    client = web(cast.admin)

    first = client.get("/notifications/outbox/")
    second = client.get("/notifications/outbox/?page=2")

    assert len(first.context["page"]) == 50
    assert first.context["page"][0].body == "reminder"
    assert code in second.context["page"][-1].body  # the oldest, last


@pytest.mark.parametrize("who", ["agent", "tech", "head_repair", "director"])
def test_other_staff_are_refused_and_see_no_link(cast, web, code_sent, who):
    _, code = code_sent
    client = web(getattr(cast, who))

    response = client.get("/notifications/outbox/")

    assert response.status_code == 403
    assert code not in response.content.decode()
    assert 'href="/notifications/outbox/"' not in client.get("/").content.decode()


def test_another_organisations_administrator_sees_none_of_ours(cast, web, code_sent):
    _, code = code_sent

    page = web(cast.outsider).get("/notifications/outbox/")

    assert page.status_code == 200
    assert code not in page.content.decode()


def test_hidden_in_production_unless_switched_on(cast, web, code_sent, settings):
    settings.FUWU_SHOW_OUTBOX = False
    client = web(cast.admin)

    assert client.get("/notifications/outbox/").status_code == 404
    assert 'href="/notifications/outbox/"' not in client.get("/").content.decode()
