"""The demo suppliers and the seed evaluation checklist: four scored items weighted 40/20/20/20,
the elevator company evaluated last quarter (84: qualified) and this quarter through the plan
(74: on probation, with the price item a rectification order)."""

from __future__ import annotations

from decimal import Decimal

from fuwu.inspections import definition
from fuwu.inspections.models import ChecklistTemplate, Inspection, Purpose, Rectification
from fuwu.suppliers.demo import EVALUATION_CHECKLIST, demo_suppliers
from fuwu.suppliers.models import Standing, Supplier
from fuwu.timeline.services import verify_chain

from .conftest import at


def test_the_seed_evaluation_checklist():
    checklist = definition.parse(EVALUATION_CHECKLIST)
    items = [item for _section, item in checklist.items()]
    assert [(i.code, i.weight, i.kind, i.max_score, i.pass_at) for i in items] == [
        ("quality", 40, "score", 10, 6),
        ("reputation", 20, "score", 10, 6),
        ("cooperation", 20, "score", 10, 6),
        ("price", 20, "score", 10, 6),
    ]
    assert [s.title for s in checklist.sections] == ["质量", "信誉", "合作", "价格"]
    assert checklist.pass_mark == 80
    answers = {
        "quality": definition.Answer("pass", 8),
        "reputation": definition.Answer("pass", 6),
        "cooperation": definition.Answer("pass", 10),
        "price": definition.Answer("fail", 5),
    }
    assert definition.score(checklist, answers).percent == Decimal("74.0")


def test_demo_suppliers(cast):
    people = {"quality1": cast.quality, "head_repair": cast.head_repair}
    now = at(2026, 9, 21, 10)
    assert demo_suppliers(cast.organisation, people, now) == 2
    checklist = ChecklistTemplate.objects.get(organisation=cast.organisation, code="supplier_evaluation")
    assert checklist.purpose == Purpose.EVALUATION
    elevator = Supplier.objects.get(code="hengan-elevator")
    cleaning = Supplier.objects.get(code="jiejing-cleaning")
    assert (elevator.department, cleaning.department) == (cast.repair, cast.cleaning)
    assert elevator.standing == Standing.PROBATION
    assert elevator.standing_score == Decimal("74.0")
    assert elevator.standing_since == now
    scores = list(
        Inspection.objects.filter(supplier=elevator, template_version__template=checklist)
        .order_by("submitted_at")
        .values_list("score", flat=True)
    )
    assert scores == [Decimal("84.0"), Decimal("74.0")]
    assert (
        Rectification.objects.filter(inspection__supplier=elevator, finding__item_code="price").count() == 1
    )
    assert cleaning.standing == Standing.QUALIFIED
    assert verify_chain(elevator)
    assert verify_chain(cleaning)
