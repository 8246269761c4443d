"""Organisation pages: what each role sees, what they may change, and bounded queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fuwu.org.models import Absence, Department, Duty
from fuwu.org.services import staff_create


def test_login_page_signs_in_and_out(client, cast):
    response = client.post("/login/", {"username": "agent", "password": "test12345"})
    assert response.status_code == 302
    home = client.get("/")
    assert "客服小张" in home.content.decode()
    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_pages_require_login(client, db):
    for path in ("/", "/org/", "/org/staff/", "/org/absences/", "/org/duties/"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/login/" in response["Location"]


def test_chinese_by_default_and_english_after_switching(client, cast):
    client.force_login(cast.agent)
    page = client.get("/org/", headers={"Accept-Language": "en-US,en"}).content.decode()
    assert "部门" in page
    assert 'lang="zh-Hans"' in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/org/"})
    page = client.get("/org/").content.decode()
    assert "Departments" in page
    assert 'lang="en"' in page


def test_later_sections_are_shown_as_not_yet_available(web, cast):
    page = web(cast.agent).get("/").content.decode()
    assert "工单" in page
    assert "尚未开放" in page


def test_department_tree_shows_own_organisation_only(web, cast):
    page = web(cast.agent).get("/org/").content.decode()
    assert "水电班" in page
    assert "客服部" not in page


def test_only_admin_adds_departments_on_the_page(web, cast):
    assert web(cast.agent).post("/org/", {"name": "绿化部", "code": "green"}).status_code == 403
    response = web(cast.admin).post("/org/", {"name": "绿化部", "code": "green"})
    assert response.status_code == 302
    assert Department.objects.filter(code="green").exists()


def test_department_form_shows_field_error_and_writes_nothing(web, cast):
    response = web(cast.admin).post("/org/", {"name": "绿化部", "code": "service"})
    assert response.status_code == 200
    assert "已被另一个部门使用" in response.content.decode()
    assert not Department.objects.filter(name="绿化部").exists()


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("tech", True),
        ("head_repair", True),
        ("tech2", True),
        ("cleaner", False),
        ("agent", False),
        ("director", True),
        ("quality", True),
        ("outsider", False),
    ],
)
def test_staff_absence_visibility_on_pages(web, cast, who, visible):
    absence = Absence.objects.create(
        person=cast.tech, kind="leave", starts_at="2026-11-20T08:00+08:00", ends_at="2026-12-20T08:00+08:00"
    )
    page = web(getattr(cast, who)).get("/org/absences/").content.decode()
    assert (cast.tech.display_name in page and absence.get_kind_display() in page) == visible


def test_staff_detail_of_another_organisation_is_404(web, cast):
    assert web(cast.agent).get(f"/org/staff/{cast.outsider.pk}/").status_code == 404
    assert web(cast.agent).get(f"/org/staff/{cast.tech.pk}/").status_code == 200


def test_record_absence_on_the_page_moves_duty_to_b(web, cast):
    Duty.objects.create(
        organisation=cast.organisation,
        department=cast.repair,
        name="报修受理",
        primary=cast.tech,
        backup=cast.tech2,
    )
    response = web(cast.tech).post(
        "/org/absences/",
        {
            "person": cast.tech.pk,
            "kind": "leave",
            "starts_at": "2026-11-23T08:00",
            "ends_at": "2026-11-27T17:30",
        },
    )
    assert response.status_code == 302
    page = web(cast.agent).get("/org/duties/", {"at": "2026-11-24T10:00"}).content.decode()
    assert "维修工小钱" in page
    assert "2026-11-27 17:30" in page


def test_list_pages_use_the_same_number_of_queries_at_10_and_200_rows(web, cast):
    client = web(cast.director)

    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            person = staff_create(
                organisation=cast.organisation,
                username=f"p{i}",
                full_name=f"员工{i}",
                department=cast.repair,
                roles=["technician"],
            )
            Absence.objects.create(
                person=person,
                kind="leave",
                starts_at="2026-11-20T08:00+08:00",
                ends_at="2026-12-20T08:00+08:00",
            )
            Duty.objects.create(
                organisation=cast.organisation,
                department=cast.repair,
                name=f"职责{i}",
                primary=person,
                backup=cast.tech,
            )

    pages = ("/org/", "/org/staff/", "/org/absences/", "/org/duties/")
    add(10, 0)
    for page in pages:  # the first requests fill the process's caches (content types)
        count(page)
    small = {page: count(page) for page in pages}
    add(190, 10)
    large = {page: count(page) for page in pages}
    assert small == large
