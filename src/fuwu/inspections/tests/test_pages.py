"""The inspection pages through the Django test client: an inspection carried out item by item (a
failed item with its note and a real photo), submitted with its score, its rectification order
acknowledged by the head, done, refused at verification (reopened), done again and verified; other
departments and other organisations getting 404 without a word of the record; the service's
refusals next to their fields (422) and the state's and the role's (409, 403); a sampling checklist
drawing its units; the workbench's queries bounded; the home bench; the checklists with a new
version published; an inspection planned by hand; the pages in English."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from fuwu.inspections import services
from fuwu.inspections.models import (
    Finding,
    Inspection,
    Photo,
    Rectification,
    RectificationStatus,
    Status,
    TemplateVersion,
)
from fuwu.testing.rendered import page_text, problems

from .conftest import ALL_PASS, DEFINITION, at

NOW = at(2026, 9, 15, 10)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def signed_in(user: Any, language: str = "") -> Client:
    client = Client()
    client.force_login(user)
    if language:
        client.cookies["fuwu_language"] = language
    return client


def png(name: str = "spot.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def read(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.content[:600]
    return response.content.decode()


def item_card(html: str, code: str) -> str:
    match = re.search(rf'<article[^>]*id="item-{code}".*?</article>', html, re.S)
    assert match, code
    return match.group(0)


def record(client: Client, inspection: Inspection, data: dict[str, Any], status: int = 302) -> Any:
    response = client.post(reverse("inspections:action", args=[inspection.pk, "record"]), data)
    assert response.status_code == status, response.content[:600]
    return response


def act(client: Client, order: Rectification, action: str, data: dict[str, Any], status: int = 302) -> Any:
    response = client.post(reverse("inspections:rectification_action", args=[order.pk, action]), data)
    assert response.status_code == status, response.content[:600]
    return response


@time_machine.travel(NOW, tick=False)
def test_an_inspection_from_its_page_to_a_verified_rectification(cast, plan_inspection):
    inspection = plan_inspection()
    quality = signed_in(cast.quality)
    url = reverse("inspections:detail", args=[inspection.pk])

    # the inspector's page: the header, each item with its buttons, the photo rule
    html = read(quality, url)
    assert inspection.number in html
    assert cast.repair.name in html
    assert 'data-item-form="uniform"' in html
    assert 'capture="environment"' in html
    assert 'accept="image/*"' in html
    assert 'data-testid="photo-required"' in item_card(html, "site_clean")
    assert 'data-testid="photo-required"' not in item_card(html, "uniform")
    assert 'name="score"' in item_card(html, "records")
    assert 'data-testid="submit-blocked"' in html  # nothing filled in yet

    # a failed item with its note and a real photo: back to that item, with the photo
    response = record(
        quality,
        inspection,
        {"item_code": "site_clean", "result": "fail", "note": "楼道有遗留垃圾", "photos": png()},
    )
    assert response["Location"] == f"{url}#item-site_clean"
    finding = Finding.objects.get(inspection=inspection, item_code="site_clean")
    assert (finding.result, finding.note) == ("fail", "楼道有遗留垃圾")
    photo = Photo.objects.get(finding=finding)
    assert photo.content_type == "image/png"
    html = read(quality, url)
    card = item_card(html, "site_clean")
    assert 'data-result="fail"' in card
    assert 'data-testid="item-message"' in card  # "saved" on the item's own card
    assert photo.image.url in card
    assert 'data-testid="photo-missing"' not in card
    for data in (
        {"item_code": "uniform", "result": "pass"},
        {"item_code": "phrases", "result": "pass"},
        {"item_code": "records", "score": "7"},
        {"item_code": "safety", "result": "pass"},
    ):
        record(quality, inspection, data)
    html = read(quality, url)
    assert 'data-action-form="submit"' in html
    assert 'data-testid="submit-blocked"' not in html

    # submitted: (2 + 0 + 1 + 4 × 7/10 + 2) / 12 = 7.8 / 12 = 65.0 %
    response = quality.post(
        reverse("inspections:action", args=[inspection.pk, "submit"]), {"summary": "楼道卫生需加强"}
    )
    assert response.status_code == 302, response.content[:600]
    inspection.refresh_from_db()
    assert inspection.status == Status.SUBMITTED
    html = read(quality, url)
    assert re.search(r'data-testid="score">65\.0<', html)
    assert 'data-passed="no"' in html
    assert re.search(r'data-testid="points">7\.8\D+12<', html)  # 7.8 of 12
    assert 'data-item-form="' not in html  # nothing to fill in any more
    order = Rectification.objects.get(inspection=inspection)
    assert reverse("inspections:rectification", args=[order.pk]) in html
    order_url = reverse("inspections:rectification", args=[order.pk])

    # the head of the department signs the order on its page
    head = signed_in(cast.head_repair)
    html = read(head, order_url)
    assert "楼道有遗留垃圾" in html
    assert photo.image.url in html
    assert 'data-action-form="acknowledge"' in html
    assert 'data-action-form="verify"' not in html
    tech = signed_in(cast.tech)
    assert 'data-testid="waiting"' in read(tech, order_url)  # the head signs first
    act(head, order, "acknowledge", {"note": "已安排保洁"})
    order.refresh_from_db()
    assert (order.status, order.acknowledged_by) == (RectificationStatus.IN_RECTIFICATION, cast.head_repair)
    assert "已安排保洁" in read(head, order_url)

    # the technician records what was done (with a photo); verification refused: reopened
    act(tech, order, "record-done", {"action_taken": "已清理楼道", "photos": png("done.png")})
    order.refresh_from_db()
    assert order.status == RectificationStatus.AWAITING_VERIFICATION
    assert order.photos.count() == 1
    act(quality, order, "verify", {"passed": "no", "note": "角落仍有垃圾"})
    order.refresh_from_db()
    assert (order.status, order.failed_verifications) == (RectificationStatus.IN_RECTIFICATION, 1)
    html = read(quality, order_url)
    assert 'data-testid="reopened"' in html
    assert "角落仍有垃圾" in html

    # done again, verified
    act(tech, order, "record-done", {"action_taken": "全部清理干净"})
    act(quality, order, "verify", {"passed": "yes", "note": "已整改"})
    order.refresh_from_db()
    assert order.status == RectificationStatus.VERIFIED
    html = read(quality, order_url)
    assert 'data-status="verified"' in html
    assert 'data-testid="no-actions"' in html
    assert html.count('data-action="rectification.') >= 5  # the timeline: issued … verified


@time_machine.travel(NOW, tick=False)
def test_other_departments_and_organisations_get_404_without_a_word_of_the_record(cast, plan_inspection):
    inspection = plan_inspection()
    services.inspection_record(
        inspection=inspection,
        by=cast.quality,
        answers=[*ALL_PASS[1:], services.AnswerIn("uniform", "fail", note="未戴工牌")],
    )
    services.inspection_submit(inspection=inspection, by=cast.quality)
    order = Rectification.objects.get(inspection=inspection)
    pages = [
        reverse("inspections:detail", args=[inspection.pk]),
        reverse("inspections:rectification", args=[order.pk]),
    ]
    for user in (cast.cleaner, cast.outsider):
        client = signed_in(user)
        for page in pages:
            html = read(client, page, 404)
            for secret in (
                inspection.number,
                order.number,
                cast.repair.name,
                "未戴工牌",
                cast.quality.display_name,
            ):
                assert secret not in html, (user.username, page, secret)
        for action in (
            reverse("inspections:action", args=[inspection.pk, "cancel"]),
            reverse("inspections:rectification_action", args=[order.pk, "acknowledge"]),
        ):
            assert client.post(action, {"reason": "x"}).status_code == 404
        listing = read(client, reverse("inspections:list") + "?tab=all")
        assert inspection.number not in listing
        assert order.number not in read(client, reverse("inspections:list") + "?tab=rectifications")
    # the plumber's department is below 工程维修部: not above it, so no inspection of it either
    assert signed_in(cast.plumber).get(pages[0]).status_code == 404
    # the department's own staff see it
    assert signed_in(cast.tech).get(pages[0]).status_code == 200


@time_machine.travel(NOW, tick=False)
def test_the_services_refusals_are_shown_next_to_their_fields(cast, plan_inspection):
    inspection = plan_inspection()
    quality = signed_in(cast.quality)
    # a score out of range
    html = record(quality, inspection, {"item_code": "records", "score": "11"}, 422).content.decode()
    card = item_card(html, "records")
    assert 'data-field="score"' in card
    assert re.search(r'data-field="score">[^<]*10[^<]*<', card)  # the range, said
    assert 'value="11"' in card  # what was typed stays
    # a failed item without a note
    card = item_card(
        record(quality, inspection, {"item_code": "uniform", "result": "fail"}, 422).content.decode(),
        "uniform",
    )
    assert 'data-field="note"' in card
    assert 'value="fail" autocomplete="off" checked' in card
    # no result at all
    card = item_card(record(quality, inspection, {"item_code": "phrases"}, 422).content.decode(), "phrases")
    assert 'data-field="result"' in card
    # not a picture
    fake = SimpleUploadedFile("x.png", b"not a picture", content_type="image/png")
    response = record(quality, inspection, {"item_code": "safety", "result": "pass", "photos": fake}, 422)
    assert 'data-field="photos"' in item_card(response.content.decode(), "safety")
    assert not Finding.objects.filter(inspection=inspection).exclude(item_code="safety").exists()
    assert not Photo.objects.exists()
    # submitting an incomplete table: the state refuses it (409), saying what is missing
    english = signed_in(cast.quality, "en")
    response = english.post(reverse("inspections:action", args=[inspection.pk, "submit"]), {})
    assert response.status_code == 409
    assert "4 of the 5 items are not filled in yet" in page_text(response.content.decode())
    # a failed item requiring a photo without one: the submit form says which
    services.inspection_record(
        inspection=inspection,
        by=cast.quality,
        answers=[*ALL_PASS[:1], services.AnswerIn("site_clean", "fail", note="垃圾"), *ALL_PASS[2:]],
    )
    html = read(quality, reverse("inspections:detail", args=[inspection.pk]))
    assert 'data-testid="photo-missing"' in item_card(html, "site_clean")
    assert 'data-testid="photos-missing"' in html
    response = quality.post(reverse("inspections:action", args=[inspection.pk, "submit"]), {})
    assert response.status_code == 422
    assert "作业现场清洁" in page_text(response.content.decode(), within="submit-card")
    inspection.refresh_from_db()
    assert inspection.status == Status.IN_PROGRESS


@time_machine.travel(NOW, tick=False)
def test_overseers_reassign_and_cancel_and_forged_actions_get_the_services_answer(cast, plan_inspection):
    inspection = plan_inspection(inspector=cast.tech)
    url = reverse("inspections:detail", args=[inspection.pk])
    tech = signed_in(cast.tech)
    html = read(tech, url)
    assert 'data-item-form="uniform"' in html
    assert 'data-action-form="cancel"' not in html
    assert 'data-action-form="reassign"' not in html
    assert (
        tech.post(reverse("inspections:action", args=[inspection.pk, "cancel"]), {"reason": "x"}).status_code
        == 403
    )
    quality = signed_in(cast.quality)
    html = read(quality, url)
    assert 'data-action-form="reassign"' in html
    # the reason is required, next to its field
    response = quality.post(
        reverse("inspections:action", args=[inspection.pk, "reassign"]), {"inspector": cast.tech2.pk}
    )
    assert response.status_code == 422
    assert 'data-field="reason"' in response.content.decode()
    response = quality.post(
        reverse("inspections:action", args=[inspection.pk, "reassign"]),
        {"inspector": cast.tech2.pk, "reason": "老赵休假"},
    )
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert inspection.inspector == cast.tech2
    response = quality.post(
        reverse("inspections:action", args=[inspection.pk, "cancel"]), {"reason": "重复计划"}
    )
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert inspection.status == Status.CANCELLED
    html = read(quality, url)
    assert "重复计划" in html
    assert 'data-item-form="' not in html
    # a cancelled inspection records nothing: the state's refusal
    response = quality.post(
        reverse("inspections:action", args=[inspection.pk, "record"]),
        {"item_code": "uniform", "result": "pass"},
    )
    assert response.status_code == 409


@time_machine.travel(NOW, tick=False)
def test_rectification_refusals_and_decisions(cast, plan_inspection):
    inspection = plan_inspection()
    services.inspection_record(
        inspection=inspection,
        by=cast.quality,
        answers=[*ALL_PASS[1:], services.AnswerIn("uniform", "fail", note="未戴工牌")],
    )
    services.inspection_submit(inspection=inspection, by=cast.quality)
    order = Rectification.objects.get(inspection=inspection)
    tech, head, quality = signed_in(cast.tech), signed_in(cast.head_repair), signed_in(cast.quality)
    act(tech, order, "acknowledge", {}, 403)  # the head signs
    act(tech, order, "record-done", {"action_taken": "x"}, 409)  # not acknowledged yet
    # accepting by concession says why
    response = act(head, order, "decide-disposition", {"disposition": "concession"}, 422)
    assert 'data-field="note"' in response.content.decode()
    act(head, order, "decide-disposition", {"disposition": "concession", "note": "客户同意"})
    order.refresh_from_db()
    assert (order.disposition, order.disposition_by) == ("concession", cast.head_repair)
    html = read(head, reverse("inspections:rectification", args=[order.pk]))
    assert 'data-testid="disposition"' in html
    assert "concession" not in page_text(html)
    act(head, order, "acknowledge", {})
    act(head, order, "acknowledge", {}, 409)
    # whoever recorded the rectification does not verify it
    act(quality, order, "record-done", {"action_taken": "补发工牌"}, 403)
    act(head, order, "record-done", {"action_taken": "补发工牌"})
    response = act(quality, order, "verify", {"passed": "yes"}, 422)
    assert 'data-field="note"' in response.content.decode()


DEFINITION_ISO = {
    **DEFINITION,
    "sampling": {"method": "iso2859", "level": "II", "aql": "2.5", "unit": "份工单记录"},
}


@time_machine.travel(NOW, tick=False)
def test_a_sampling_checklist_draws_the_units_to_check_and_gives_a_verdict(cast, plan_inspection):
    version = services.template_create(
        organisation=cast.organisation,
        by=cast.quality,
        code="records_audit",
        name="服务记录抽查表",
        definition_data=DEFINITION_ISO,
        now=at(2026, 9, 1, 9),
    )
    inspection = plan_inspection(template=version.template)
    quality = signed_in(cast.quality)
    url = reverse("inspections:detail", args=[inspection.pk])
    html = read(quality, url)
    assert 'data-testid="sampling-needed"' in html
    assert "AQL 2.5" in page_text(html, within="sampling-method")
    assert 'data-testid="submit-blocked"' in html
    response = quality.post(reverse("inspections:action", args=[inspection.pk, "start"]), {"population": "0"})
    assert response.status_code == 422
    assert 'data-field="population"' in response.content.decode()
    response = quality.post(
        reverse("inspections:action", args=[inspection.pk, "start"]), {"population": "340"}
    )
    assert response["Location"] == f"{url}#sampling"
    inspection.refresh_from_db()
    units = inspection.sampling["units"]
    assert len(units) == 50
    html = read(quality, url)
    shown = page_text(html, within="sampling")
    assert "340 份工单记录" in shown
    assert re.search(r'data-testid="sample-size">50\b', html)
    assert "Ac 3 / Re 4" in shown
    assert "、".join(str(u) for u in units[:3]) in shown
    services.inspection_record(inspection=inspection, by=cast.quality, answers=ALL_PASS)
    html = read(quality, url)
    assert 'name="nonconforming_units"' in html
    assert 'data-action-form="start"' not in html  # findings recorded: the sample stays
    response = quality.post(
        reverse("inspections:action", args=[inspection.pk, "submit"]), {"nonconforming_units": "51"}
    )
    assert response.status_code == 422
    assert 'data-field="nonconforming_units"' in response.content.decode()
    quality.post(reverse("inspections:action", args=[inspection.pk, "submit"]), {"nonconforming_units": "4"})
    html = read(quality, url)
    assert 'data-verdict="reject"' in html
    assert re.search(r'data-testid="score">100\.0<', html)


def _list_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _submitted_with_an_order(cast: Any, inspection: Inspection) -> None:
    services.inspection_record(
        inspection=inspection,
        by=cast.quality,
        answers=[*ALL_PASS[1:], services.AnswerIn("uniform", "fail", note="未戴工牌")],
    )
    services.inspection_submit(inspection=inspection, by=cast.quality)


@time_machine.travel(NOW, tick=False)
def test_the_workbench_reads_a_fixed_number_of_queries(cast, plan_inspection, django_assert_max_num_queries):
    quality = signed_in(cast.quality)
    lists = reverse("inspections:list")
    # one inspection (open: on "mine" and "all"), then one rectification order
    first = plan_inspection()
    quality.get(lists)  # the session and the content types cached
    bounds = {url: _list_queries(quality, url) for url in (lists, lists + "?tab=all")}
    _submitted_with_an_order(cast, plan_inspection(site="1号楼"))
    bounds[lists + "?tab=rectifications"] = _list_queries(quality, lists + "?tab=rectifications")
    # twenty inspections, half of them submitted with their orders
    for day in range(3, 21):
        inspection = plan_inspection(
            department=[cast.repair, cast.cleaning, cast.service][day % 3], site=f"{day}号楼"
        )
        if day % 2:
            _submitted_with_an_order(cast, inspection)
    assert Inspection.objects.count() == 20
    for url, bound in bounds.items():
        with django_assert_max_num_queries(bound):
            html = read(quality, url)
        assert html.count("data-inspection=") + html.count("data-rectification=") >= 10, url
    html = read(quality, lists + "?tab=all")
    assert html.count('data-testid="score"') == 10
    assert f'data-inspection="{first.pk}"' in html


@time_machine.travel(NOW, tick=False)
def test_the_list_tabs_and_the_home_bench(cast, plan_inspection):
    mine = plan_inspection()
    other = plan_inspection(inspector=cast.head_repair, department=cast.repair, site="车库")
    services.inspection_record(
        inspection=other,
        by=cast.head_repair,
        answers=[*ALL_PASS[1:], services.AnswerIn("uniform", "fail", note="未戴工牌")],
    )
    services.inspection_submit(inspection=other, by=cast.head_repair)
    quality = signed_in(cast.quality)
    html = read(quality, reverse("inspections:list"))
    assert f'data-inspection="{mine.pk}"' in html
    assert f'data-inspection="{other.pk}"' not in html
    html = read(quality, reverse("inspections:list") + "?tab=all")
    assert f'data-inspection="{other.pk}"' in html
    assert 'name="department"' in html  # quality narrows by department
    html = read(quality, reverse("inspections:list") + f"?tab=all&department={cast.cleaning.pk}")
    assert 'data-testid="empty"' in html
    # the head: the department's open order on the home page, opening the list's tab
    head = signed_in(cast.head_repair)
    home = read(head, reverse("core:home"))
    assert 'data-inspection-bench="rectifications" data-count="1"' in home
    order = Rectification.objects.get(inspection=other)
    assert reverse("inspections:rectification", args=[order.pk]) in home
    html = read(head, reverse("inspections:list") + f"?tab=rectifications&department={cast.repair.pk}")
    assert f'data-rectification="{order.pk}"' in html
    # the inspector: their open inspection, overdue once the due moment has passed
    home = read(quality, reverse("core:home"))
    assert 'data-inspection-bench="inspections" data-count="1"' in home
    assert 'data-inspection-bench="overdue" data-count="0"' in home
    assert 'href="/inspections/"' in home  # in the navigation
    with time_machine.travel(at(2026, 9, 21, 10), tick=False):
        from fuwu.clocks.models import BaseClock  # noqa: F401  (clocks are evaluated by due moment)

        home = read(quality, reverse("core:home"))
        assert 'data-inspection-bench="overdue" data-count="1"' in home
        html = read(quality, reverse("inspections:list") + "?tab=overdue&mine=on")
        assert f'data-inspection="{mine.pk}"' in html
        assert re.search(r'text-danger fw-semibold" data-testid="due"', html)
    # nobody else has anything: no bench
    assert 'data-testid="inspection-bench"' not in read(signed_in(cast.agent), reverse("core:home"))


@time_machine.travel(NOW, tick=False)
def test_checklists_read_and_a_new_version_is_published(cast, checklist, plan_inspection):
    quality, tech = signed_in(cast.quality), signed_in(cast.tech)
    html = read(tech, reverse("inspections:checklists"))
    assert checklist.name in html
    assert 'data-testid="new-checklist"' not in html
    url = reverse("inspections:checklist", args=[checklist.pk])
    html = read(tech, url)
    text = page_text(html)
    assert "员工着装整洁, 佩戴工牌" in text
    assert "服务记录完整准确" in text
    assert re.search(r'data-testid="points">12<', html)
    assert 'data-testid="publish"' not in html
    assert tech.post(reverse("inspections:checklist_publish", args=[checklist.pk]), {}).status_code == 403
    html = read(quality, url)
    assert 'data-testid="publish"' in html
    publish = reverse("inspections:checklist_publish", args=[checklist.pk])
    response = quality.post(publish, {"name": checklist.name, "note": "x", "definition": "{not json"})
    assert response.status_code == 422
    assert 'data-field="definition"' in response.content.decode()
    broken = {**DEFINITION, "pass_mark": 120}
    import json

    response = quality.post(publish, {"name": checklist.name, "note": "x", "definition": json.dumps(broken)})
    assert response.status_code == 422
    assert "pass_mark" in page_text(response.content.decode(), within="definition-problems") or (
        'data-testid="definition-problems"' in response.content.decode()
    )
    changed = {**DEFINITION, "pass_mark": 85}
    response = quality.post(
        publish,
        {"name": "服务质量巡检表（2026版）", "note": "及格线提高到85", "definition": json.dumps(changed)},
    )
    assert response.status_code == 302
    assert TemplateVersion.objects.filter(template=checklist).count() == 2
    html = read(quality, url)
    assert "服务质量巡检表（2026版）" in html
    assert "及格线提高到85" in html
    html = read(quality, url + "?version=1")
    assert re.search(r'data-testid="pass-mark">\s*80', html)
    # retiring it: no more inspections planned with it
    assert (
        quality.post(
            reverse("inspections:checklist_active", args=[checklist.pk]), {"active": "no"}
        ).status_code
        == 302
    )
    checklist.refresh_from_db()
    assert checklist.is_active is False
    # a new checklist from its page
    response = quality.post(
        reverse("inspections:checklist_create"),
        {"code": "night_patrol", "name": "夜间巡查表", "note": "", "definition": json.dumps(DEFINITION)},
    )
    assert response.status_code == 302


@time_machine.travel(NOW, tick=False)
def test_an_inspection_planned_by_hand(cast, checklist):
    quality = signed_in(cast.quality)
    url = reverse("inspections:create")
    assert 'name="template"' in read(quality, url)
    response = quality.post(
        url,
        {
            "template": checklist.pk,
            "department": cast.cleaning.pk,
            "inspector": cast.quality.pk,
            "due_on": "2026-09-01",
        },
    )
    assert response.status_code == 422
    assert 'data-field="due_on"' in response.content.decode()
    response = quality.post(
        url,
        {
            "template": checklist.pk,
            "department": cast.cleaning.pk,
            "inspector": cast.quality.pk,
            "due_on": "2026-09-19",  # a Saturday: due on the next working day
            "site": "3号楼大堂",
        },
    )
    assert response.status_code == 302
    inspection = Inspection.objects.get(site="3号楼大堂")
    assert response["Location"] == reverse("inspections:detail", args=[inspection.pk])
    assert timezone.localdate(inspection.due_at) > date(2026, 9, 19)
    # a supplier's work: the department that manages it and its name by default
    from fuwu.suppliers.services.keeping import supplier_create

    cleaners = supplier_create(
        organisation=cast.organisation,
        by=cast.director,
        code="clean-co",
        name="洁美保洁服务有限公司",
        department=cast.cleaning,
        services="外包保洁",
    )
    assert f'value="{cleaners.pk}" selected' in read(quality, f"{url}?supplier={cleaners.pk}")
    response = quality.post(
        url,
        {
            "template": checklist.pk,
            "supplier": cleaners.pk,
            "inspector": cast.quality.pk,
            "due_on": "2026-09-22",
        },
    )
    assert response.status_code == 302, response.content[:600]
    outsourced = Inspection.objects.get(supplier=cleaners)
    assert (outsourced.department, outsourced.site) == (cast.cleaning, "洁美保洁服务有限公司")
    assert "洁美保洁服务有限公司" in page_text(read(quality, response["Location"]), within="supplier")
    # a head plans for their own department only; a technician not at all
    head = read(signed_in(cast.head_repair), url)
    departments = re.findall(r'<select name="department".*?</select>', head, re.S)[0]
    assert f'value="{cast.repair.pk}"' in departments
    assert f'value="{cast.cleaning.pk}"' not in departments
    assert signed_in(cast.tech).get(url).status_code == 403


@time_machine.travel(NOW, tick=False)
def test_the_pages_read_for_people_in_english_and_in_chinese(cast, plan_inspection):
    inspection = plan_inspection()
    services.inspection_record(
        inspection=inspection,
        by=cast.quality,
        answers=[*ALL_PASS[1:], services.AnswerIn("uniform", "fail", note="未戴工牌")],
    )
    open_one = plan_inspection(site="2号楼")
    services.inspection_record(inspection=open_one, by=cast.quality, answers=ALL_PASS[:2])
    services.inspection_submit(inspection=inspection, by=cast.quality)
    order = Rectification.objects.get(inspection=inspection)
    pages = [
        reverse("inspections:list"),
        reverse("inspections:list") + "?tab=all",
        reverse("inspections:list") + "?tab=rectifications",
        reverse("inspections:detail", args=[inspection.pk]),
        reverse("inspections:detail", args=[open_one.pk]),
        reverse("inspections:rectification", args=[order.pk]),
        reverse("inspections:checklists"),
        reverse("inspections:checklist", args=[inspection.template_version.template_id]),
        reverse("inspections:create"),
    ]
    english = signed_in(cast.quality, "en")
    for page in pages:
        text = page_text(read(english, page))
        assert problems(text, "en") == [], (page, problems(text, "en"))
    text = page_text(read(english, reverse("inspections:list") + "?tab=all"))
    assert "Submitted" in text
    assert "Being carried out" in text
    text = page_text(read(english, pages[3]))
    assert "Does not conform" in text
    assert "Passed" in text
    text = page_text(read(english, pages[4]))
    assert "Conforms" in text
    assert "2 of 5 items filled in" in text
    assert "Awaiting acknowledgement" in page_text(read(english, pages[5]))
    chinese = signed_in(cast.quality)
    for page in pages:
        # the timeline's labels are the app's display module's (ADR 0006), not these pages'
        html = re.sub(
            r'<section class="card mt-3"[^>]*data-testid="timeline">.*?</section>',
            "",
            read(chinese, page),
            flags=re.S,
        )
        text = page_text(html)
        assert problems(text, "zh-hans") == [], (page, problems(text, "zh-hans"))


ROUND: dict[str, Any] = {
    "pass_mark": 90,
    "grace_minutes": 15,
    "sections": [
        {
            "title": "夜间巡查",
            "items": [
                {"code": "handover", "text": "20:00 值班经理交接, 双方签字", "at": "20:00"},
                {"code": "cash", "text": "22:00 督促前台将大额备用金锁入保险箱", "at": "22:00"},
                {"code": "patrol", "text": "23:00 巡视楼顶、重要设备区", "at": "23:00"},
            ],
        }
    ],
}


def test_a_duty_round_shows_each_items_time_and_state(cast):
    from fuwu.duty.models import Shift
    from fuwu.inspections.models import Purpose

    services.template_create(
        organisation=cast.organisation,
        by=cast.quality,
        code="night_round",
        name="夜场值班经理巡查表",
        definition_data=ROUND,
        purpose=Purpose.ROUND,
        now=at(2026, 9, 1, 9),
    )
    shift = Shift.objects.create(
        organisation=cast.organisation,
        department=cast.service,
        post="夜班值班经理",
        pattern="夜班",
        person=cast.head_service,
        starts_at=at(2026, 10, 1, 20),
        ends_at=at(2026, 10, 2, 8),
        created_by=cast.director,
        created_at=at(2026, 9, 20, 9),
    )
    services.plan_period(cast.organisation, at(2026, 10, 1, 6))
    round_ = shift.rounds.get()
    services.inspection_record(
        inspection=round_,
        by=cast.head_service,
        answers=[services.AnswerIn("handover", "pass")],
        now=at(2026, 10, 1, 20, 10),
    )
    with time_machine.travel(at(2026, 10, 1, 22, 40), tick=False):
        html = read(signed_in(cast.head_service), reverse("inspections:detail", args=[round_.pk]))
    assert "夜班值班经理" in page_text(html, within="shift")
    assert re.search(r'data-round-state="done">20:00 ', item_card(html, "handover"))
    assert re.search(r'data-round-state="overdue">22:00 ', item_card(html, "cash"))
    assert re.search(r'data-round-state="open">23:00 ', item_card(html, "patrol"))
