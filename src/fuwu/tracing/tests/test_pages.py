"""The batch pages: register a batch (items as repeatable rows), the batch page's sign form, the
double check refused to the person who signed and offered to another, steps out of order and
discrepancies, returns and feedback, the list by step (its queries bounded), the trace, the PDF —
and every page read as text for people."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from django.urls import reverse

from fuwu.testing.rendered import page_text, problems
from fuwu.tracing import services
from fuwu.tracing.models import Batch, ItemReturn, StepSignature

from .conftest import STEPS, expected, sign_through


def _form(batch: Batch, step: str, note: str = "", **changed: tuple[int, int]) -> dict[str, object]:
    names = {i.pk: i.name for i in batch.items.all()}
    data: dict[str, object] = {"step": step, "note": note}
    for item, (packages, pieces) in expected(batch, step).items():
        packages, pieces = changed.get(names[item], (packages, pieces))
        data[f"packages_{item}"], data[f"pieces_{item}"] = packages, pieces
    return data


def test_register_a_batch_with_rows_added_on_the_page(web, cast):
    client = web(cast.tech)
    page = client.get(reverse("tracing:create"))
    assert page.status_code == 200
    assert page.content.decode().count("data-item-row=") == 3
    data = {
        "unit_name": "市第一医院",
        "received_on": "2026-09-21",
        "department": cast.repair.pk,
        "method": "ethylene_oxide",
        "destination": "市第一医院手术室",
        "items-TOTAL_FORMS": "3",
        "items-INITIAL_FORMS": "0",
        "items-0-name": "腹腔镜器械",
        "items-0-packages": "1",
        "items-0-pieces": "12",
    }

    more = client.post(reverse("tracing:create"), {**data, "add_row": "1"})
    assert more.status_code == 200
    html = more.content.decode()
    assert html.count("data-item-row=") == 4
    assert 'value="腹腔镜器械"' in html
    assert "invalid-feedback" not in html
    bad = client.post(reverse("tracing:create"), {**data, "items-1-packages": "2", "destination": ""})
    assert bad.status_code == 422
    assert 'data-field="destination"' in bad.content.decode()
    assert 'data-field="name"' in bad.content.decode()  # a row with counts and no item
    assert not Batch.objects.exists()
    done = client.post(
        reverse("tracing:create"),
        {**data, "items-TOTAL_FORMS": "4", "items-3-name": "弯盘", "items-3-pieces": "3"},
    )

    batch = Batch.objects.get()
    assert done.status_code == 302
    assert done["Location"] == reverse("tracing:detail", args=[batch.pk])
    assert [(i.name, i.packages, i.pieces) for i in batch.items.all()] == [
        ("腹腔镜器械", 1, 12),
        ("弯盘", 0, 3),
    ]
    assert (batch.method, batch.registered_by) == ("ethylene_oxide", cast.tech)


def test_the_page_signs_and_a_second_person_confirms_the_double_check(web, cast, register_batch):
    batch = sign_through(cast, register_batch(), "clean")
    url = reverse("tracing:detail", args=[batch.pk])
    first = web(cast.tech)
    html = first.get(url).content.decode()
    assert 'data-action="sign"' in html
    assert 'data-testid="double-check"' in html

    signed = first.post(reverse("tracing:action", args=[batch.pk, "sign"]), _form(batch, "pack"))
    assert signed.status_code == 302

    html = first.get(url).content.decode()
    assert 'data-testid="wait-for-second"' in html
    assert 'data-action="confirm"' not in html
    # forged: the same person confirms anyway
    refused = first.post(reverse("tracing:action", args=[batch.pk, "confirm"]), {"step": "pack"})
    assert refused.status_code == 403
    assert 'data-testid="pending"' in refused.content.decode()
    assert StepSignature.objects.get(batch=batch, step="pack").confirmed_by is None

    first.logout()
    second = web(cast.tech2)
    html = second.get(url).content.decode()
    assert 'data-action="confirm"' in html
    assert 'data-action="sign"' not in html
    confirmed = second.post(
        reverse("tracing:action", args=[batch.pk, "confirm"]), {"step": "pack", "note": ""}
    )
    assert confirmed.status_code == 302
    pack = StepSignature.objects.get(batch=batch, step="pack")
    assert (pack.signed_by, pack.confirmed_by) == (cast.tech, cast.tech2)
    html = second.get(url).content.decode()
    assert 'data-step="pack" data-state="done"' in html
    assert 'data-testid="confirmed-by"' in html


def test_out_of_order_and_discrepancies_on_the_page(web, cast, register_batch):
    batch = sign_through(cast, register_batch(), "count")
    client = web(cast.tech)
    action = reverse("tracing:action", args=[batch.pk, "sign"])

    skipped = client.post(action, _form(batch, "sterilise"))
    assert skipped.status_code == 409
    no_reason = client.post(action, _form(batch, "clean", 止血钳=(0, 4)))
    assert no_reason.status_code == 422
    assert 'data-field="note"' in no_reason.content.decode()
    assert not StepSignature.objects.filter(batch=batch, step="clean").exists()
    done = client.post(action, _form(batch, "clean", note="两把止血钳待修", 止血钳=(0, 4)))
    assert done.status_code == 302

    html = client.get(reverse("tracing:detail", args=[batch.pk])).content.decode()
    item = batch.items.get(name="止血钳")
    assert f'data-discrepancy="{item.pk}"' in html
    assert 'data-testid="discrepancy"' in html
    assert "两把止血钳待修" in html


def test_returns_and_feedback_on_the_page(web, cast, register_batch):
    batch = sign_through(cast, register_batch(), "sterilise")
    client = web(cast.tech)
    item = batch.items.get(name="换药包")
    other = batch.items.get(name="止血钳")

    nothing = client.post(
        reverse("tracing:action", args=[batch.pk, "return"]),
        {
            f"packages_{item.pk}": 0,
            f"pieces_{item.pk}": 0,
            f"packages_{other.pk}": 0,
            f"pieces_{other.pk}": 0,
            "problem": "x",
        },
    )
    assert nothing.status_code == 422
    returned = client.post(
        reverse("tracing:action", args=[batch.pk, "return"]),
        {
            f"packages_{item.pk}": 1,
            f"pieces_{item.pk}": 5,
            f"packages_{other.pk}": 0,
            f"pieces_{other.pk}": 0,
            "problem": "湿包",
        },
    )
    assert returned.status_code == 302
    item_return = ItemReturn.objects.get(batch=batch)
    html = client.get(reverse("tracing:detail", args=[batch.pk])).content.decode()
    assert f'data-action-form="feedback-{item_return.pk}"' in html
    written = client.post(
        reverse("tracing:action", args=[batch.pk, "feedback"]),
        {
            "return_id": item_return.pk,
            "feedback": "已电话并书面告知",
            "suggestion": "包装前确保干燥",
            "recipient": "王护士长",
        },
    )
    assert written.status_code == 302
    item_return.refresh_from_db()
    assert (item_return.feedback_by, item_return.recipient) == (cast.tech, "王护士长")


def test_the_director_reads_the_batch_and_signs_nothing(web, cast, register_batch):
    batch = register_batch()

    html = web(cast.director).get(reverse("tracing:detail", args=[batch.pk])).content.decode()

    assert batch.number in html
    assert 'data-testid="no-actions"' in html
    forged = web(cast.director).post(
        reverse("tracing:action", args=[batch.pk, "sign"]), _form(batch, "collect")
    )
    assert forged.status_code == 403


def test_the_list_shows_open_batches_by_step_with_bounded_queries(
    web, cast, register_batch, django_assert_max_num_queries
):
    first = register_batch()
    client = web(cast.tech)
    with django_assert_max_num_queries(30) as one:
        html = client.get(reverse("tracing:list")).content.decode()
    assert first.number in html
    for _ in range(19):
        register_batch()
    sign_through(cast, first, "count")
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = client.get(reverse("tracing:list")).content.decode()
    assert html.count("data-batch=") == 20
    assert 'data-step="collect"' in html
    assert 'data-step="clean"' in html
    by_step = client.get(reverse("tracing:list") + "?step=clean").content.decode()
    assert re.findall(r'data-batch="(\d+)"', by_step) == [str(first.pk)]
    searched = client.get(reverse("tracing:list") + "?view=all&q=" + first.number).content.decode()
    assert re.findall(r'data-batch="(\d+)"', searched) == [str(first.pk)]


def test_the_trace_page_finds_an_item_end_to_end(web, cast, register_batch):
    batch = sign_through(cast, register_batch(), "deliver")

    html = web(cast.quality).get(reverse("tracing:trace") + "?q=止血钳").content.decode()

    assert f'data-traced="{batch.pk}"' in html
    for step in STEPS:
        assert f'data-step="{step}" data-state="done"' in html
    assert cast.tech2.display_name in html  # the second signature of 检查包装
    empty = web(cast.quality).get(reverse("tracing:trace") + "?q=不存在的器械").content.decode()
    assert 'data-testid="nothing-found"' in empty


def test_the_record_pdf_carries_the_signatures(web, cast, register_batch):
    from pypdf import PdfReader

    batch = sign_through(cast, register_batch(), "pack")
    item = batch.items.get(name="止血钳")
    services.batch_return(batch=batch, by=cast.tech, lines={item.pk: (0, 1)}, problem="锈蚀")

    answer = web(cast.quality).get(reverse("tracing:pdf", args=[batch.pk]))

    assert answer.status_code == 200
    assert answer.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(answer.content)).pages)
    for expected_text in (
        batch.number,
        "市第一医院",
        "止血钳",
        "检查包装",
        cast.tech.display_name,
        cast.tech2.display_name,
        "锈蚀",
    ):
        assert expected_text in text


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_pages_read_for_people(client, cast, register_batch, language):
    batch = sign_through(cast, register_batch(), "clean")
    item = batch.items.get(name="止血钳")
    services.batch_return(batch=batch, by=cast.tech, lines={item.pk: (0, 1)}, problem="锈蚀")
    services.batch_sign(batch=batch, by=cast.tech, step="pack", counts=expected(batch))
    client.force_login(cast.tech2)
    client.cookies["fuwu_language"] = language

    for url in (
        reverse("tracing:list"),
        reverse("tracing:create"),
        reverse("tracing:detail", args=[batch.pk]),
        reverse("tracing:trace") + "?q=止血钳",
    ):
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert problems(page_text(answer.content), language, more_codes=STEPS) == [], url
