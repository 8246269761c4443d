"""The supplier services: registering, changing and deactivating a supplier (who may, and each
problem under its field's name), its standing from its evaluations' scores against the policy's
``[suppliers]`` thresholds (hand-computed: quality 40, reputation 20, cooperation 20, price 20,
each scored 0–10), on its timeline and told when it falls; an evaluation by hand; and the
planner's monthly check and quarterly evaluation of an active supplier."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fuwu.inspections import services as inspections
from fuwu.inspections.models import Inspection, Purpose, Rectification, Status
from fuwu.lib.errors import ConflictError, PermissionDeniedError, ValidationFailed
from fuwu.notify.models import Notification
from fuwu.policy.schema import Suppliers
from fuwu.suppliers import services
from fuwu.suppliers.models import Standing, Supplier
from fuwu.timeline.models import Event
from fuwu.timeline.services import verify_chain

from .conftest import EVALUATED, REGISTERED, at, scores


def events(supplier: Supplier) -> list[Event]:
    return list(Event.objects.for_subject(supplier).order_by("at", "id"))


def fields_of(excinfo: pytest.ExceptionInfo[ValidationFailed]) -> set[str]:
    return set(excinfo.value.fields)


# --- registering, changing, deactivating -------------------------------------------------------


def test_the_quality_role_registers_a_qualified_supplier(cast, supplier):
    assert supplier.standing == Standing.QUALIFIED
    assert supplier.standing_since == REGISTERED
    assert supplier.department == cast.repair
    assert supplier.is_active
    assert supplier.standing_reason == ""
    assert supplier.standing_evaluation is None
    (created,) = events(supplier)
    assert created.action == "supplier.created"
    assert created.actor == cast.quality
    assert created.changes["department"]["after"] == {"id": cast.repair.pk, "label": "工程维修部"}
    assert created.changes["standing"] == {"after": "qualified"}


def test_a_head_registers_the_suppliers_of_its_own_department_only(cast, make_supplier):
    own = make_supplier(by=cast.head_repair, department=cast.plumbing, code="shuidian")
    assert own.department == cast.plumbing
    with pytest.raises(ValidationFailed) as refused:
        make_supplier(by=cast.head_repair, department=cast.cleaning, code="jiejing")
    assert fields_of(refused) == {"department_id"}
    with pytest.raises(PermissionDeniedError):
        make_supplier(by=cast.tech, code="tech-made")
    with pytest.raises(PermissionDeniedError):
        make_supplier(by=cast.outsider, code="outsider-made")
    assert Supplier.objects.count() == 1


def test_every_wrong_field_is_named_at_once(cast, make_supplier, supplier):
    with pytest.raises(ValidationFailed) as refused:
        make_supplier(
            code="Hengan Elevator",
            name="x" * 201,
            services="",
            contact_name="刘\x00经理",
            phone="call me",
            contract_starts_on=date(2026, 9, 1),
            contract_ends_on=date(2026, 8, 31),
        )
    assert fields_of(refused) == {"code", "name", "services", "contact_name", "phone", "contract_ends_on"}
    with pytest.raises(ValidationFailed) as taken:
        make_supplier()  # the code of ``supplier``
    assert fields_of(taken) == {"code"}
    with pytest.raises(ValidationFailed) as department:
        make_supplier(code="other", department=None)
    assert fields_of(department) == {"department_id"}
    with pytest.raises(ValidationFailed) as foreign:
        make_supplier(code="other", department=cast.other_organisation.departments.get())
    assert fields_of(foreign) == {"department_id"}
    with pytest.raises(ValidationFailed) as far:
        make_supplier(code="other", contract_starts_on=date(1800, 1, 1))
    assert fields_of(far) == {"contract_starts_on"}
    assert Supplier.objects.count() == 1


def test_changing_a_supplier_is_on_its_timeline(cast, supplier):
    later = at(2026, 9, 3, 10)
    changed = services.supplier_update(
        supplier=supplier,
        by=cast.head_repair,
        reason="合同续签",
        phone="400-820-8820",
        contract_starts_on=date(2026, 9, 1),
        contract_ends_on=date(2028, 8, 31),
        now=later,
    )
    assert changed.phone == "400-820-8820"
    last = events(supplier)[-1]
    assert last.action == "supplier.updated"
    assert last.actor == cast.head_repair
    assert last.reason == "合同续签"
    assert last.changes["phone"] == {"before": "0571-86001234", "after": "400-820-8820"}
    assert last.changes["contract_ends_on"] == {"before": None, "after": "2028-08-31"}
    # nothing changed: no event
    services.supplier_update(supplier=changed, by=cast.head_repair, phone="400-820-8820", now=later)
    assert len(events(supplier)) == 2
    assert verify_chain(supplier)


def test_who_may_change_a_supplier_and_how(cast, supplier):
    with pytest.raises(PermissionDeniedError):
        services.supplier_update(supplier=supplier, by=cast.head_service, name="别的名字")
    with pytest.raises(PermissionDeniedError):
        services.supplier_update(supplier=supplier, by=cast.tech, name="别的名字")
    # the repair head may not hand its supplier to another department; the quality role may
    with pytest.raises(ValidationFailed) as refused:
        services.supplier_update(supplier=supplier, by=cast.head_repair, department=cast.cleaning)
    assert fields_of(refused) == {"department_id"}
    moved = services.supplier_update(supplier=supplier, by=cast.quality, department=cast.cleaning)
    assert moved.department == cast.cleaning
    assert events(supplier)[-1].changes["department"] == {
        "before": {"id": cast.repair.pk, "label": "工程维修部"},
        "after": {"id": cast.cleaning.pk, "label": "保洁部"},
    }
    with pytest.raises(ValidationFailed) as unknown:
        services.supplier_update(supplier=supplier, by=cast.quality, standing="qualified", name="")
    assert fields_of(unknown) == {"standing", "name"}
    with pytest.raises(ValidationFailed) as order:
        services.supplier_update(
            supplier=supplier,
            by=cast.quality,
            contract_ends_on=date(2026, 1, 1),
            contract_starts_on=date(2026, 2, 1),
        )
    assert fields_of(order) == {"contract_ends_on"}


def test_a_deactivated_supplier_cannot_be_changed_or_evaluated(cast, supplier, evaluation_checklist):
    with pytest.raises(ValidationFailed) as no_reason:
        services.supplier_deactivate(supplier=supplier, by=cast.quality, reason="  ")
    assert fields_of(no_reason) == {"reason"}
    with pytest.raises(PermissionDeniedError):
        services.supplier_deactivate(supplier=supplier, by=cast.tech, reason="合同到期")
    done = services.supplier_deactivate(
        supplier=supplier, by=cast.head_repair, reason="合同到期, 已更换供方", now=at(2026, 9, 2, 9)
    )
    assert not done.is_active
    assert events(supplier)[-1].action == "supplier.deactivated"
    assert events(supplier)[-1].reason == "合同到期, 已更换供方"
    with pytest.raises(ConflictError):
        services.supplier_update(supplier=done, by=cast.quality, name="新名字")
    with pytest.raises(ConflictError):
        services.supplier_deactivate(supplier=done, by=cast.quality, reason="再次")
    with pytest.raises(ConflictError):
        services.supplier_evaluate(supplier=done, by=cast.quality, now=EVALUATED)


# --- standing from evaluations ------------------------------------------------------------------


def test_an_evaluation_of_74_puts_a_qualified_supplier_on_probation(cast, supplier, evaluate):
    # quality 8/10 × 40 + reputation 6/10 × 20 + cooperation 10/10 × 20 + price 5/10 × 20
    # = 32 + 12 + 20 + 10 = 74 of 100
    evaluation = evaluate(supplier, (8, 6, 10, 5))
    assert evaluation.points == Decimal("74.00")
    assert evaluation.max_points == Decimal("100.00")
    assert evaluation.score == Decimal("74.0")
    assert evaluation.passed is False  # below the checklist's pass mark of 80
    assert evaluation.failed_items == 1  # the price, below 6: a rectification order
    assert Rectification.objects.get(inspection=evaluation).finding.item_code == "price"

    supplier.refresh_from_db()
    assert supplier.standing == Standing.PROBATION
    assert supplier.standing_since == EVALUATED
    assert supplier.standing_score == Decimal("74.0")
    assert supplier.standing_evaluation == evaluation
    assert supplier.evaluated_at == EVALUATED
    assert supplier.standing_reason == services.reason_text(evaluation.number, Decimal("74.0"))
    assert evaluation.number in supplier.standing_reason
    assert "74.0" in supplier.standing_reason

    evaluated = events(supplier)[-1]
    assert evaluated.action == "supplier.evaluated"
    assert evaluated.actor == cast.head_repair  # the evaluator
    assert evaluated.changes["standing"] == {"before": "qualified", "after": "probation"}
    assert evaluated.changes["score"] == {"before": None, "after": "74.0"}
    assert evaluated.changes["evaluation"]["after"]["id"] == evaluation.pk
    assert evaluation.number in evaluated.reason
    assert "74.0" in evaluated.reason
    assert verify_chain(supplier)

    # the fall is told to the quality role and the managing department's head
    told = Notification.objects.filter(kind="supplier_standing_fell")
    assert {n.recipient for n in told} == {cast.quality, cast.head_repair}
    assert all(supplier.name in n.title and "74.0" in n.title for n in told)


@pytest.mark.parametrize(
    ("given", "score", "standing"),
    [
        ((10, 10, 10, 10), "100.0", Standing.QUALIFIED),
        ((8, 8, 8, 8), "80.0", Standing.QUALIFIED),  # 32 + 16 + 16 + 16: at qualified_at
        ((8, 8, 8, 7), "78.0", Standing.PROBATION),  # 32 + 16 + 16 + 14
        ((6, 6, 6, 6), "60.0", Standing.PROBATION),  # 24 + 12 + 12 + 12: at probation_at
        ((5, 6, 6, 6), "56.0", Standing.DISQUALIFIED),  # 20 + 12 + 12 + 12
        ((0, 10, 10, 10), "60.0", Standing.PROBATION),  # 0 + 20 + 20 + 20
        ((2, 3, 1, 0), "16.0", Standing.DISQUALIFIED),  # 8 + 6 + 2 + 0
    ],
)
def test_the_standing_follows_the_score(cast, supplier, evaluate, given, score, standing):
    evaluation = evaluate(supplier, given)
    assert evaluation.score == Decimal(score)
    supplier.refresh_from_db()
    assert supplier.standing == standing
    assert supplier.standing_score == Decimal(score)
    fell = standing != Standing.QUALIFIED
    assert Notification.objects.filter(kind="supplier_standing_fell").exists() == fell
    if not fell:  # confirmed: the standing's since-when stays, the reason is the latest evaluation
        assert supplier.standing_since == REGISTERED
        assert "standing" not in events(supplier)[-1].changes


def test_a_rise_is_recorded_and_not_told_a_fall_again_is(cast, supplier, evaluate):
    evaluate(supplier, (5, 5, 5, 5))  # 50: disqualified
    assert Notification.objects.filter(kind="supplier_standing_fell").count() == 2
    later = at(2026, 12, 14, 10)
    evaluate(supplier, (9, 9, 9, 9), now=later)  # 90: qualified again
    supplier.refresh_from_db()
    assert supplier.standing == Standing.QUALIFIED
    assert supplier.standing_since == later
    assert events(supplier)[-1].changes["standing"] == {"before": "disqualified", "after": "qualified"}
    assert Notification.objects.filter(kind="supplier_standing_fell").count() == 2
    evaluate(supplier, (7, 7, 7, 7), now=at(2027, 3, 15, 10))  # 70: on probation
    assert Notification.objects.filter(kind="supplier_standing_fell").count() == 4


def test_an_evaluation_is_counted_once(cast, supplier, evaluate):
    evaluation = evaluate(supplier, (8, 6, 10, 5))
    before = len(events(supplier))
    again = services.record_evaluation(inspection=evaluation, now=EVALUATED)
    assert again is not None
    assert again.standing == Standing.PROBATION
    assert len(events(supplier)) == before
    assert Notification.objects.filter(kind="supplier_standing_fell").count() == 2


def test_a_monthly_check_does_not_change_the_standing(cast, supplier, monthly_checklist):
    check = inspections.inspection_create(
        organisation=cast.organisation,
        by=cast.head_repair,
        template=monthly_checklist,
        department=None,
        inspector=cast.head_repair,
        due_on=date(2026, 9, 18),
        supplier=supplier,
        now=EVALUATED,
    )
    assert (check.department, check.site, check.supplier) == (cast.repair, supplier.name, supplier)
    inspections.inspection_record(
        inspection=check,
        by=cast.head_repair,
        answers=[
            inspections.AnswerIn("uniform", "fail", note="未持证"),
            inspections.AnswerIn("records", "fail", note="缺记录"),
        ],
        now=EVALUATED,
    )
    submitted = inspections.inspection_submit(inspection=check, by=cast.head_repair, now=EVALUATED)
    assert submitted.score == Decimal("0.0")
    assert services.record_evaluation(inspection=submitted, now=EVALUATED) is None
    supplier.refresh_from_db()
    assert supplier.standing == Standing.QUALIFIED
    assert [e.action for e in events(supplier)] == ["supplier.created"]


def test_an_evaluation_not_submitted_yet_does_not_count(cast, supplier, evaluation_checklist):
    planned = services.supplier_evaluate(supplier=supplier, by=cast.head_repair, now=EVALUATED)
    assert services.record_evaluation(inspection=planned, now=EVALUATED) is None


def test_the_thresholds_are_the_policy_s():
    strict = Suppliers(qualified_at=90, probation_at=75)
    assert services.standing_for(Decimal("89.9"), strict) == Standing.PROBATION
    assert services.standing_for(Decimal("90.0"), strict) == Standing.QUALIFIED
    assert services.standing_for(Decimal("74.9"), strict) == Standing.DISQUALIFIED
    assert services.standing_for(Decimal("74.0"), Suppliers()) == Standing.PROBATION


# --- evaluating now, and the planner -----------------------------------------------------------


def test_evaluate_now_plans_an_evaluation_of_the_supplier(cast, supplier, evaluation_checklist):
    evaluation = services.supplier_evaluate(supplier=supplier, by=cast.head_repair, now=EVALUATED)
    assert evaluation.supplier == supplier
    assert evaluation.department == cast.repair
    assert evaluation.site == supplier.name
    assert evaluation.inspector == cast.head_repair
    assert evaluation.template_version.template == evaluation_checklist
    assert evaluation.schedule == ""
    assert evaluation.due_at == at(2026, 9, 14, 17, 30)  # today, before close of business
    assert events(supplier)[-1].action == "supplier.evaluation_planned"
    # one open evaluation at a time
    with pytest.raises(ConflictError) as open_already:
        services.supplier_evaluate(supplier=supplier, by=cast.quality, now=EVALUATED)
    assert evaluation.number in str(open_already.value.message)
    # after hours: the next working day; another evaluator
    inspections.inspection_cancel(inspection=evaluation, by=cast.quality, reason="重新安排", now=EVALUATED)
    late = services.supplier_evaluate(
        supplier=supplier, by=cast.quality, inspector=cast.head_repair, now=at(2026, 9, 14, 18)
    )
    assert late.due_at == at(2026, 9, 15, 17, 30)
    assert late.inspector == cast.head_repair


def test_who_may_evaluate_now(cast, supplier, evaluation_checklist):
    for person in (cast.head_service, cast.tech, cast.admin):
        with pytest.raises(PermissionDeniedError):
            services.supplier_evaluate(supplier=supplier, by=person, now=EVALUATED)
    assert services.supplier_evaluate(supplier=supplier, by=cast.director, now=EVALUATED).supplier == supplier


def test_evaluate_now_needs_an_evaluation_checklist(cast, supplier):
    with pytest.raises(ConflictError):
        services.supplier_evaluate(supplier=supplier, by=cast.quality, now=EVALUATED)


def test_inspection_create_refuses_another_organisation_s_or_an_inactive_supplier(
    cast, make_supplier, evaluation_checklist
):
    from fuwu.suppliers.models import Supplier as SupplierModel

    other = SupplierModel.objects.create(
        organisation=cast.other_organisation,
        code="other",
        name="别家供方",
        department=cast.other_organisation.departments.get(),
        services="保洁",
        standing_since=REGISTERED,
        created_by=cast.outsider,
        created_at=REGISTERED,
    )
    inactive = services.supplier_deactivate(
        supplier=make_supplier(code="gone"), by=cast.quality, reason="合同到期", now=REGISTERED
    )
    for wrong in (other, inactive):
        with pytest.raises(ValidationFailed) as refused:
            inspections.inspection_create(
                organisation=cast.organisation,
                by=cast.quality,
                template=evaluation_checklist,
                department=None,
                inspector=cast.quality,
                due_on=date(2026, 9, 18),
                supplier=wrong,
                now=EVALUATED,
            )
        assert "supplier_id" in refused.value.fields


def test_the_planner_checks_and_evaluates_an_active_supplier_through_its_department_s_head(
    cast, make_supplier, evaluation_checklist, monthly_checklist
):
    active = make_supplier()
    inactive = make_supplier(code="old-lift", name="旧电梯公司")
    services.supplier_deactivate(supplier=inactive, by=cast.quality, reason="合同到期", now=REGISTERED)
    # 保洁部 has no head (nor a department above it): its supplier is not planned
    make_supplier(code="jiejing", name="洁净保洁", department=cast.cleaning, services="公共区域保洁")

    inspections.plan_period(cast.organisation, at(2026, 9, 21, 6))

    planned = list(
        Inspection.objects.filter(supplier__isnull=False)
        .select_related("template_version__template")
        .order_by("schedule")
    )
    assert [(i.schedule, i.supplier, i.inspector, i.department) for i in planned] == [
        ("外包供方季度评价", active, cast.head_repair, cast.repair),
        ("外包供方月度检查", active, cast.head_repair, cast.repair),
    ]
    evaluation, check = planned
    assert evaluation.template_version.template.purpose == Purpose.EVALUATION
    assert (evaluation.period_start, evaluation.period_end) == (date(2026, 7, 1), date(2026, 9, 30))
    assert check.template_version.template.code == "service_quality"
    assert (check.period_start, check.period_end) == (date(2026, 9, 1), date(2026, 9, 30))
    assert {i.due_at for i in planned} == {at(2026, 9, 30, 17, 30)}
    assert {i.status for i in planned} == {Status.PLANNED}
    assert {i.site for i in planned} == {active.name}

    # the planned evaluation, carried out, sets the standing
    by = cast.head_repair
    now = at(2026, 9, 22, 10)
    inspections.inspection_record(inspection=evaluation, by=by, answers=scores(8, 6, 10, 5), now=now)
    submitted = inspections.inspection_submit(inspection=evaluation, by=by, now=now)
    services.record_evaluation(inspection=submitted, now=now, by=by)
    active.refresh_from_db()
    assert active.standing == Standing.PROBATION
    # and the next morning's planner plans nothing new
    assert inspections.plan_period(cast.organisation, at(2026, 9, 23, 6)) == 0
