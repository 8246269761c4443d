"""The supplier pages through the Django test client: the list with standing badges and filters
(its queries bounded), registering and changing a supplier (each problem next to its field,
403 for a role that may not), the supplier's page — standing with since-when and why, contract,
the history of inspections and evaluations with the scores' trend, the open rectification orders,
the timeline — read for people in Chinese and English, evaluate now and deactivate from it, and
another organisation's supplier a 404 without its name."""

from __future__ import annotations

import re
from typing import Any

import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fuwu.inspections.models import Inspection, Purpose
from fuwu.suppliers.models import Supplier
from fuwu.testing.rendered import page_text, problems

from .conftest import EVALUATED, at

LATER = at(2026, 12, 14, 10)


def signed_in(user: Any, language: str = "") -> Client:
    client = Client()
    client.force_login(user)
    if language:
        client.cookies["fuwu_language"] = language
    return client


def test_the_supplier_page_shows_its_standing_history_trend_and_orders(cast, supplier, evaluate):
    first = evaluate(supplier, (9, 8, 9, 7))  # 36 + 16 + 18 + 14 = 84: qualified
    second = evaluate(supplier, (8, 6, 10, 5), now=LATER)  # 74: on probation
    url = reverse("suppliers:detail", args=[supplier.pk])
    with time_machine.travel(LATER, tick=False):
        english = signed_in(cast.head_repair, "en").get(url)
        chinese = signed_in(cast.head_repair).get(url)
    assert english.status_code == 200
    assert chinese.status_code == 200
    html = english.content.decode()
    standing = page_text(html, within="standing-card")
    assert "On probation" in standing
    assert "since 2026-12-14" in standing
    assert f"Evaluation {second.number} scored 74.0" in standing
    assert "qualified from 80, on probation from 60" in standing
    details = page_text(html, within="details")
    assert "工程维修部" in details
    assert "刘经理" in details
    assert "0571-86001234" in details
    history = page_text(html, within="history")
    assert history.index(second.number) < history.index(first.number)  # the newest first
    assert "scored 84.0" in history
    assert "scored 74.0" in history
    assert "1 failed item" in history
    assert "Supplier evaluation" in history
    trend = page_text(html, within="trend")
    assert trend.index("84.0") < trend.index("74.0")  # the oldest first
    assert "Qualified" in trend
    assert "On probation" in trend
    assert html.count("<circle") == 2
    assert "<polyline" in html
    orders = page_text(html, within="rectifications")
    assert second.number in orders
    assert "价格" in orders
    timeline = page_text(html, within="timeline")
    assert "Evaluated" in timeline
    assert "Supplier registered" in timeline
    assert "Qualified → On probation" in timeline
    assert problems(page_text(html), "en") == []
    assert problems(page_text(chinese.content.decode()), "zh-hans") == []
    assert supplier.name in chinese.content.decode()


def test_a_colleague_elsewhere_sees_the_supplier_not_the_repair_department_s_inspections(
    cast, supplier, evaluate
):
    evaluation = evaluate(supplier, (8, 6, 10, 5))
    with time_machine.travel(EVALUATED, tick=False):
        response = signed_in(cast.cleaner, "en").get(reverse("suppliers:detail", args=[supplier.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "On probation" in page_text(html, within="standing-card")
    assert f'href="/inspections/{evaluation.pk}/"' not in html
    assert "No evaluation you may see yet." in page_text(html, within="trend")
    assert "No inspections or evaluations you may see yet." in page_text(html, within="history")
    assert 'data-testid="no-actions"' in html


def test_another_organisation_s_supplier_is_not_found(cast, supplier):
    outsider = signed_in(cast.outsider)
    for response in (
        outsider.get(reverse("suppliers:detail", args=[supplier.pk])),
        outsider.get(reverse("suppliers:edit", args=[supplier.pk])),
        outsider.post(reverse("suppliers:deactivate", args=[supplier.pk]), {"reason": "x"}),
        outsider.post(reverse("suppliers:evaluate", args=[supplier.pk]), {}),
    ):
        assert response.status_code == 404
        assert supplier.name not in response.content.decode()
    listing = outsider.get(reverse("suppliers:list")).content.decode()
    assert supplier.name not in listing
    Supplier.objects.filter(pk=supplier.pk).update(is_active=True)


def test_register_and_change_a_supplier_on_its_pages(cast):
    create = reverse("suppliers:create")
    assert signed_in(cast.tech).get(create).status_code == 403
    head = signed_in(cast.head_repair, "en")
    form = head.get(create)
    assert form.status_code == 200
    offered = re.findall(r'<option value="(\d+)"', form.content.decode())
    assert set(map(int, offered)) == {cast.repair.pk, cast.plumbing.pk}  # its own departments only
    wrong = head.post(
        create,
        {
            "name": "恒安电梯",
            "code": "Bad Code",
            "department": cast.repair.pk,
            "services": "电梯维保",
            "phone": "call me",
            "contract_starts_on": "2026-09-01",
            "contract_ends_on": "2026-08-01",
        },
    )
    assert wrong.status_code == 422
    assert set(re.findall(r'data-field="(\w+)"', wrong.content.decode())) == {
        "code",
        "phone",
        "contract_ends_on",
    }
    done = head.post(
        create,
        {
            "name": "恒安电梯",
            "code": "hengan",
            "department": cast.repair.pk,
            "services": "电梯维保",
            "contract_starts_on": "2026-09-01",
            "contract_ends_on": "2028-08-31",
        },
    )
    supplier = Supplier.objects.get()
    assert done.status_code == 302
    assert done["Location"] == reverse("suppliers:detail", args=[supplier.pk])
    edit = reverse("suppliers:edit", args=[supplier.pk])
    assert signed_in(cast.head_service).get(edit).status_code == 403
    changed = head.post(
        edit,
        {
            "name": "恒安电梯维保有限公司",
            "code": "hengan",
            "department": cast.plumbing.pk,
            "services": "电梯维保",
            "contract_starts_on": "2026-09-01",
            "contract_ends_on": "2028-08-31",
            "reason": "交水电班管理",
        },
    )
    assert changed.status_code == 302
    supplier.refresh_from_db()
    assert (supplier.name, supplier.department) == ("恒安电梯维保有限公司", cast.plumbing)
    page = head.get(reverse("suppliers:detail", args=[supplier.pk])).content.decode()
    assert "交水电班管理" in page_text(page, within="timeline")


def test_evaluate_now_and_deactivate_from_the_page(cast, supplier, evaluation_checklist):
    url = reverse("suppliers:detail", args=[supplier.pk])
    with time_machine.travel(EVALUATED, tick=False):
        head = signed_in(cast.head_repair, "en")
        page = head.get(url).content.decode()
        assert 'data-action="evaluate"' in page
        assert 'data-action="deactivate"' in page
        assert 'data-action="evaluate"' not in signed_in(cast.admin).get(url).content.decode()
        assert (
            signed_in(cast.head_service)
            .post(reverse("suppliers:evaluate", args=[supplier.pk]), {"inspector": cast.head_service.pk})
            .status_code
            == 403
        )
        planned = head.post(
            reverse("suppliers:evaluate", args=[supplier.pk]), {"inspector": cast.head_repair.pk}
        )
        evaluation = Inspection.objects.get(supplier=supplier)
        assert planned.status_code == 302
        assert planned["Location"] == reverse("inspections:detail", args=[evaluation.pk])
        assert evaluation.template_version.template.purpose == Purpose.EVALUATION
        page = head.get(url).content.decode()
        assert evaluation.number in page_text(page, within="open-evaluation")
        assert evaluation.number in page_text(page, within="history")
        again = head.post(
            reverse("suppliers:evaluate", args=[supplier.pk]), {"inspector": cast.head_repair.pk}
        )
        assert again.status_code == 409
        empty = head.post(reverse("suppliers:deactivate", args=[supplier.pk]), {"reason": ""})
        assert empty.status_code == 422
        assert 'data-field="reason"' in empty.content.decode()
        done = head.post(reverse("suppliers:deactivate", args=[supplier.pk]), {"reason": "合同到期"})
        assert done.status_code == 302
        page = head.get(url).content.decode()
    assert 'data-testid="inactive"' in page
    assert 'data-action="deactivate"' not in page
    assert 'data-action="evaluate"' not in page


def test_the_list_shows_standings_filters_and_its_queries_do_not_grow(cast, make_supplier):
    make_supplier()
    client = signed_in(cast.quality, "en")
    url = reverse("suppliers:list")

    def listing(query: str = "") -> tuple[str, int]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url + query)
        assert response.status_code == 200
        return response.content.decode(), len(captured.captured_queries)

    listing()
    html, queries_for_one = listing()
    assert "恒安电梯维保有限公司" in html
    assert "Qualified" in page_text(html, within="suppliers")
    for index in range(19):
        make_supplier(
            code=f"s{index:02d}",
            name=f"供方{index:02d}",
            department=cast.cleaning if index % 2 else cast.plumbing,
        )
    html, queries_for_twenty = listing()
    assert html.count("data-supplier=") == 20
    assert queries_for_twenty == queries_for_one

    Supplier.objects.filter(code="s01").update(standing="disqualified")
    Supplier.objects.filter(code="s02").update(standing="probation", is_active=False)
    disqualified, _ = listing("?standing=disqualified")
    assert disqualified.count("data-supplier=") == 1
    assert "供方01" in disqualified
    assert "Disqualified" in page_text(disqualified, within="suppliers")
    assert listing("?standing=probation")[0].count("data-supplier=") == 0
    probation, _ = listing("?standing=probation&inactive=on")
    assert probation.count("data-supplier=") == 1
    assert "inactive" in page_text(probation, within="suppliers")
    repair, _ = listing(f"?department={cast.repair.pk}")
    assert repair.count("data-supplier=") == 10  # 工程维修部 and 水电班, 供方02 inactive
    assert problems(page_text(html), "en") == []
    chinese = signed_in(cast.quality).get(url).content.decode()
    assert problems(page_text(chinese), "zh-hans") == []


def test_the_supplier_page_s_queries_do_not_grow_with_its_history(cast, supplier, evaluate):
    url = reverse("suppliers:detail", args=[supplier.pk])

    def queries(now: Any) -> int:
        with time_machine.travel(now, tick=False):
            client = signed_in(cast.head_repair)
            client.get(url)
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    evaluate(supplier, (8, 6, 10, 5))
    once = queries(EVALUATED)
    evaluate(supplier, (9, 9, 9, 9), now=LATER)
    evaluate(supplier, (5, 5, 5, 5), now=at(2027, 3, 15, 10))
    thrice = queries(at(2027, 3, 15, 10))
    assert thrice == once
