"""``[numbering]``: one ``{format, reset}`` per kind of record; versions stored in the earlier shape
(one ``reset`` for all and a format string per kind) still load."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from fuwu.policy import selectors
from fuwu.policy.loader import PolicyInvalid, parse_policy
from fuwu.policy.presets import preset_document, preset_text
from fuwu.policy.schema import PolicyDocument, UnknownNumberKind
from fuwu.policy.services import policy_publish

PROPERTY = preset_text("property")
COMPLAINT_LINE = 'complaint = {format = "{yy}{mm}-{seq:04d}", reset = "month"}'


def old_shape(document: PolicyDocument, reset: str = "month") -> dict:
    """The document as versions stored it before numbering had a reset per kind."""
    data = document.model_dump(mode="json")
    data["numbering"] = {"reset": reset, **{k: v["format"] for k, v in data["numbering"].items()}}
    return data


def test_a_document_in_the_old_shape_loads_with_its_reset_for_every_kind():
    data = old_shape(preset_document("property"), reset="year")

    document = PolicyDocument.model_validate(data)

    assert document.numbering.work_order.format == "GD{yy}{mm}-{seq:05d}"
    assert document.numbering.work_order.reset == "year"
    assert document.numbering.complaint.reset == "year"
    assert document.numbering.render("complaint", on=date(2026, 11, 5), seq=7) == "2611-0007"


def test_an_old_stored_version_still_governs_its_records(cast):
    version = policy_publish(organisation=cast.organisation, text=PROPERTY, reason="初始", by=cast.admin)
    # stored before the change: rewrite the row behind the application's back, as it was
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE policy_policyversion SET document = %s WHERE id = %s",
            [json.dumps(old_shape(preset_document("property")), ensure_ascii=False), version.pk],
        )
    selectors._documents.clear()
    version.refresh_from_db()

    document = selectors.policy_document_for_version(version)

    assert document.numbering.work_order.reset == "month"
    assert document.numbering.render("work_order", on=date(2026, 11, 1), seq=1) == "GD2611-00001"


def test_a_further_kind_needs_no_change_of_the_schema():
    text = PROPERTY.replace(
        COMPLAINT_LINE, COMPLAINT_LINE + '\nreturn_visit = {format = "HF{yyyy}-{seq:04d}", reset = "year"}'
    )

    numbering = parse_policy(text).numbering

    assert list(numbering.kinds) == [
        "work_order",
        "complaint",
        "return_visit",
        "capa",
        "inspection",
        "rectification",
        "batch",
    ]
    assert numbering.render("return_visit", on=date(2026, 11, 5), seq=3) == "HF2026-0003"
    with pytest.raises(UnknownNumberKind, match="batch_kind"):
        numbering.format_for("batch_kind")


@pytest.mark.parametrize(
    ("added", "path", "message"),
    [
        ('return_visit = {format = "HF{seq}"}', "numbering.return_visit.reset", "required"),
        (
            'return_visit = {format = "HF{yy}-{seq}", reset = "month"}',
            "numbering.return_visit.format",
            "{mm}",
        ),
        ('Return-Visit = {format = "HF{seq}", reset = "never"}', "numbering.Return-Visit", "lowercase"),
    ],
)
def test_a_further_kind_is_checked_like_the_others(added, path, message):
    with translation.override("en"), pytest.raises(PolicyInvalid) as caught:
        parse_policy(PROPERTY.replace(COMPLAINT_LINE, COMPLAINT_LINE + "\n" + added))

    assert path in caught.value.fields, caught.value.fields
    assert any(message in m for m in caught.value.fields[path]), caught.value.fields[path]


def test_the_policy_page_shows_each_kind_with_its_format_example_and_reset(cast, web):
    text = PROPERTY.replace(
        COMPLAINT_LINE,
        'complaint = {format = "TS{yyyy}-{seq:04d}", reset = "year"}',
    )
    policy_publish(organisation=cast.organisation, text=text, reason="投诉按年编号", by=cast.admin)

    page = web(cast.agent).get(reverse("policy:active")).content.decode()  # in Chinese, the default

    rows = re.findall(
        r"<tr><td>(.*?)</td><td><code>(.*?)</code></td><td><code>(.*?)</code></td><td>(.*?)</td></tr>", page
    )
    year = timezone.localdate().year
    assert rows[:2] == [
        ("工单", "GD{yy}{mm}-{seq:05d}", f"GD{timezone.localdate():%y%m}-00001", "每月"),
        ("投诉", "TS{yyyy}-{seq:04d}", f"TS{year}-0001", "每年"),
    ]
    # further processes' kinds follow (corrective actions: CA2611-001)
    assert ("CA{yy}{mm}-{seq:03d}", f"CA{timezone.localdate():%y%m}-001", "每月") in [
        row[1:] for row in rows[2:]
    ]
