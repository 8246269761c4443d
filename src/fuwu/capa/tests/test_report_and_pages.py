"""The report of recurring problem categories (counts by period and department, each figure drilling
down to exactly its records) and the CAPA pages: list, raise from a complaint, the page's actions."""

from __future__ import annotations

import re
from datetime import date

from django.urls import reverse

from fuwu.capa import services
from fuwu.capa.models import AffectedRecord, Capa, Status

from .conftest import RAISED, at


def _numbers(html: str) -> set[str]:
    return set(re.findall(r"CA\d{4}-\d{3}", html))


def test_recurring_categories_count_by_period_and_department_and_drill_down(api, web, cast, raise_capa):
    september = [raise_capa(now=at(2026, 9, d, 10)) for d in (2, 14, 29)]
    raise_capa(now=at(2026, 9, 20, 10), category="timeliness")
    plumbing = raise_capa(now=at(2026, 9, 21, 10), department=cast.plumbing)  # below repair: its own row
    october = raise_capa(now=at(2026, 10, 9, 10))
    cancelled = raise_capa(now=at(2026, 9, 22, 10))
    services.capa_cancel(capa=cancelled, by=cast.director, reason="重复", now=at(2026, 9, 22, 11))

    report = api(cast.quality).get("capa/report/categories", {"period": "month"}).json()
    rows = {
        (r["period_start"], r["department"]["name"], r["category"]): (
            r["count"],
            r["recurring"],
            r["drill_down"],
        )
        for r in report["rows"]
    }

    assert {key: value[:2] for key, value in rows.items()} == {
        ("2026-10-01", "工程维修部", "service_attitude"): (1, False),
        ("2026-09-01", "工程维修部", "service_attitude"): (3, True),
        ("2026-09-01", "工程维修部", "timeliness"): (1, False),
        ("2026-09-01", "水电班", "service_attitude"): (1, False),
    }
    # each figure's drill-down lists exactly the CAPAs counted
    drill = rows[("2026-09-01", "工程维修部", "service_attitude")][2]
    listed = api(cast.quality).get(drill).json()
    assert {item["number"] for item in listed["items"]} == {c.number for c in september}
    assert listed["count"] == 3
    page = web(cast.quality).get(reverse("capa:report")).content.decode()
    links = re.findall(r'href="(/capa/\?[^"]+)" data-testid="figure">(\d+)<', page)
    assert sorted(int(n) for _link, n in links) == [1, 1, 1, 3]
    for link, figure in links:
        shown = _numbers(web(cast.quality).get(link.replace("&amp;", "&")).content.decode())
        assert len(shown) == int(figure)
    assert plumbing.number in _numbers(web(cast.quality).get("/capa/?open=").content.decode())
    assert october.number not in {item["number"] for item in listed["items"]}
    # by quarter: September's repair rows together
    quarters = api(cast.quality).get("capa/report/categories", {"period": "quarter"}).json()["rows"]
    assert {(r["period_start"], r["department"]["name"], r["category"], r["count"]) for r in quarters} == {
        ("2026-07-01", "工程维修部", "service_attitude", 3),
        ("2026-07-01", "工程维修部", "timeliness", 1),
        ("2026-07-01", "水电班", "service_attitude", 1),
        ("2026-10-01", "工程维修部", "service_attitude", 1),
    }


def test_the_report_counts_only_what_the_viewer_may_see(api, cast, raise_capa):
    raise_capa(now=at(2026, 9, 2, 10))
    raise_capa(by=cast.head_service, department=cast.service, now=at(2026, 9, 3, 10))

    rows = api(cast.head_repair).get("capa/report/categories").json()["rows"]

    assert [(r["department"]["name"], r["count"]) for r in rows] == [("工程维修部", 1)]
    assert api(cast.head_repair).get("capa/report/categories", {"period": "week"}).status_code == 422


def test_raise_from_a_complaint_prefilled_and_linked(web, cast, complaint):
    source = complaint(subject="师傅迟到两小时", object="efficiency")
    client = web(cast.head_repair)
    url = reverse("capa:create") + f"?source=complaints.complaint:{source.pk}"

    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "师傅迟到两小时" in html
    assert source.number in html
    answer = client.post(
        url,
        {
            "kind": "corrective",
            "title": "师傅迟到两小时",
            "problem": "迟到",
            "category": "timeliness",
            "department": cast.repair.pk,
            "confidentiality": 0,
            "source": f"complaints.complaint:{source.pk}",
        },
    )

    capa = Capa.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse("capa:detail", args=[capa.pk])
    assert AffectedRecord.objects.get(capa=capa).object_id == source.pk
    assert capa.origin == "complaint"


def test_raising_from_a_complaint_the_user_may_not_see_is_404(web, cast, complaint):
    hidden = complaint(department=cast.cleaning)

    page = web(cast.head_repair).get(reverse("capa:create") + f"?source=complaints.complaint:{hidden.pk}")
    forged = web(cast.head_repair).get(reverse("capa:create") + "?source=org.user:1")

    assert page.status_code == 404
    assert hidden.number not in page.content.decode()
    assert forged.status_code == 404


def test_the_create_page_refuses_bad_input_with_field_errors(web, cast):
    answer = web(cast.head_repair).post(
        reverse("capa:create"), {"kind": "corrective", "title": "", "problem": ""}
    )

    assert answer.status_code == 422
    html = answer.content.decode()
    assert 'data-field="title"' in html
    assert 'data-field="problem"' in html
    assert not Capa.objects.exists()


def test_a_technician_may_not_open_the_create_page(web, cast):
    assert web(cast.tech).get(reverse("capa:create")).status_code == 403


def test_the_page_offers_the_allowed_actions_and_takes_them(web, cast, raise_capa):
    capa = raise_capa()
    client = web(cast.head_repair)

    html = client.get(reverse("capa:detail", args=[capa.pk])).content.decode()
    assert 'data-action="analyse"' in html
    assert 'data-action="verify"' not in html
    assert "服务态度" in html  # the category's label, not its code

    done = client.post(
        reverse("capa:action", args=[capa.pk, "analyse"]), {"root_cause": "未培训", "method": "five_whys"}
    )
    assert done.status_code == 302
    assert Capa.objects.get(pk=capa.pk).status == Status.IN_ACTION
    bad = client.post(reverse("capa:action", args=[capa.pk, "add-item"]), {"description": "", "owner": ""})
    assert bad.status_code == 422
    assert not capa.items.exists()
    refused = client.post(reverse("capa:action", args=[capa.pk, "close"]), {"note": ""})
    assert refused.status_code == 409
    # a technician of the department sees the CAPA but does not lead it
    forbidden = web(cast.tech).post(reverse("capa:action", args=[capa.pk, "analyse"]), {"root_cause": "x"})
    assert forbidden.status_code == 403
    timeline = client.get(reverse("capa:detail", args=[capa.pk])).content.decode()
    assert 'data-action="capa.analysed"' in timeline


def test_the_list_page_shows_open_capas_with_labels(web, cast, raise_capa):
    open_one = raise_capa()
    closed = raise_capa(now=RAISED)
    services.capa_cancel(capa=closed, by=cast.director, reason="重复", now=RAISED)

    html = web(cast.head_repair).get(reverse("capa:list")).content.decode()

    assert open_one.number in html
    assert closed.number not in html
    assert "服务态度" in html
    assert 'href="/capa/"' in web(cast.head_repair).get("/").content.decode()  # in the navigation


def test_an_item_owner_from_another_department_sees_the_capa(api, cast, raise_capa):
    capa = raise_capa()
    services.capa_analyse(capa=capa, by=cast.head_repair, root_cause="原因", method="five_whys", now=RAISED)
    assert api(cast.cleaner).get(f"capa/{capa.pk}").status_code == 404

    services.capa_add_item(
        capa=capa,
        by=cast.head_repair,
        description="保洁配合",
        owner=cast.cleaner,
        due_on=date(2026, 9, 30),
        now=RAISED,
    )

    assert api(cast.cleaner).get(f"capa/{capa.pk}").status_code == 200
