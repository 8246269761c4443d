"""The rules by which stored values are shown (fuwu.lib.display, fuwu.timeline.display), including
the shapes earlier versions of the services stored."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone, translation

from fuwu.lib import display as fmt
from fuwu.lib.display import system_text
from fuwu.timeline.display import Fields, Money, Ref, RenderContext, Value, shown_events, timeline_display
from fuwu.workorders.models import WorkOrder


def event(model, changes, reason="", action="work_order.completed"):
    """An event as stored (not saved: rendering never writes)."""
    return SimpleNamespace(
        subject_type_id=ContentType.objects.get_for_model(model).pk,
        changes=changes,
        reason=reason,
        action=action,
        at=timezone.now(),
        actor=None,
        actor_id=None,
        actor_label="system",
    )


def shown(model, changes, language, viewer=None, reason=""):
    with translation.override(language):
        row = shown_events([event(model, changes, reason)], viewer)[0]
        return (
            {c.key: (str(c.before) if c.before is not None else None, str(c.after)) for c in row.changes},
            row.reason,
            row.actor,
        )


@pytest.mark.parametrize(
    ("value", "zh", "en"),
    [
        (True, "是", "yes"),
        (None, "—", "—"),
        ("40", "¥40.00", "¥40.00"),
    ],
)
def test_small_formats(value, zh, en):
    with translation.override("zh-hans"):
        assert (fmt.money(value) if isinstance(value, str) else fmt.yes_no(value)) == zh
    with translation.override("en"):
        assert (fmt.money(value) if isinstance(value, str) else fmt.yes_no(value)) == en


def test_lists_and_pairs_take_the_punctuation_of_the_language():
    with translation.override("zh-hans"):
        assert fmt.join_list(["甲", "乙"]) == "甲、乙"
        assert (
            fmt.join_pairs([("保修", "已过保修期"), ("用时", "40 分钟")]) == "保修：已过保修期，用时：40 分钟"
        )
    with translation.override("en"):
        assert fmt.join_list(["a", "b"]) == "a, b"
        assert fmt.join_pairs([("a", "1"), ("b", "2")]) == "a: 1; b: 2"


def test_the_service_report_change_of_the_issue(db):
    changes = {
        "report": {"after": {"warranty": "out_of_warranty", "minutes": 40}},
        "is_paid": {"after": True},
    }
    rows, _reason, actor = shown(WorkOrder, changes, "zh-hans")
    with translation.override("zh-hans"):
        time_spent = translation.gettext("time spent")  # 用时, once the catalogue has it
    assert rows["report"] == (None, f"保修：已过保修期，{time_spent}：40 分钟")
    assert rows["is_paid"] == (None, "是")
    assert actor == "系统"
    rows, _reason, actor = shown(WorkOrder, changes, "en")
    assert rows["report"] == (None, "warranty: Out of warranty; time spent: 40 minutes")
    assert rows["is_paid"] == (None, "yes")
    assert actor == "system"


def test_old_shapes_still_read(db, cast):
    # A reference stored as a name (customer.created), a plain value without before/after
    # (calendar events), a sentence in Chinese, a list of codes, a None receipt.
    changes = {
        "department": {"after": "客服中心"},
        "approvals_withdrawn": {"after": ["paid_service", "extension"]},
        "clock.arrival": {"after": "按时完成"},
        "fee": {"after": {"item": "上门检查费", "amount": "30.00", "receipt_number": None}},
        "unheard_of": {"after": {"some_key": "x"}},
    }
    rows, _reason, _actor = shown(WorkOrder, changes, "en", viewer=cast.admin)
    assert rows["department"] == (None, "客服中心")
    assert rows["approvals_withdrawn"][1] == "Paid service, Deadline extension"
    assert rows["clock.arrival"][1] == "met in time"
    assert rows["fee"][1] == "item: 上门检查费; amount: ¥30.00"  # no "None"
    assert rows["unheard_of"][1] == "some key: x"  # a key nobody labelled still gets words
    assert not timeline_display.is_labelled(WorkOrder, "unheard_of")


def test_a_reference_the_reader_may_not_see_shows_no_name(db, cast):
    from fuwu.customers.models import Customer
    from fuwu.customers.services import customer_create

    secret = customer_create(
        organisation=cast.organisation,
        by=cast.admin,
        name="保密客户",
        confidentiality=2,
        department=cast.service,
        phones=[{"number": "13900000000"}],
    )
    value = {"id": secret.pk, "label": "保密客户"}
    hidden = Ref(Customer).render(value, RenderContext(cast.tech, timeline_display))
    assert "保密客户" not in hidden
    seen = Ref(Customer).render(value, RenderContext(cast.director, timeline_display))
    assert "保密客户" in seen
    assert f"/customers/{secret.pk}/" in seen


def test_nested_values_can_be_described_by_a_model():
    from fuwu.workorders.models import FeeLine

    fields = Fields({"amount": Value.of(FeeLine, "amount", format=Money())}, model=FeeLine)
    with translation.override("zh-hans"):
        text = str(
            fields.render({"amount": "12.5", "receipt_number": "R1"}, RenderContext(None, timeline_display))
        )
    assert text == "金额：¥12.50，发票/收据号：R1"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_system_sentences_are_said_again_in_the_readers_language(language):
    with translation.override("zh-hans"):
        chinese = translation.gettext("B: %(name)s, because %(why)s") % {
            "name": "小钱",
            "why": translation.gettext("%(name)s is absent (%(kind)s) until %(until)s")
            % {"name": "老赵", "kind": translation.gettext("Leave"), "until": "2026-11-27 18:00"},
        }
    assert chinese == "B角：小钱，因为老赵请假，至 2026-11-27 18:00"
    with translation.override(language):
        said = system_text("紧急处理; " + chinese)  # a dispatcher's own words, then the A/B rule
    if language == "en":
        assert said == "紧急处理; B: 小钱, because 老赵 is absent (Leave) until 2026-11-27 18:00"
    else:
        assert said == "紧急处理; " + chinese


def test_what_a_person_wrote_is_left_as_written():
    with translation.override("en"):
        assert system_text("客户来电取消，已自行处理") == "客户来电取消，已自行处理"
        assert system_text("") == ""
