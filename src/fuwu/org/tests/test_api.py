"""The organisation API through real HTTP requests: auth, errors, languages, visibility, A/B."""

from __future__ import annotations

import pytest

from fuwu.org.models import Department, Duty, User
from fuwu.org.services import duty_create
from fuwu.timeline.models import Event


def test_unauthenticated_request_gets_401_json(api):
    response = api(None).get("departments")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_bad_token_gets_401(api, cast):
    client = api(None)
    client.headers["Authorization"] = "Bearer fw_wrong"
    assert client.get("departments").status_code == 401


def test_session_auth_works_for_reads(client, cast):
    client.force_login(cast.agent)
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["username"] == "agent"


def test_departments_list_is_the_organisations_tree_only(api, cast):
    names = [d["name"] for d in api(cast.agent).get("departments").json()]
    assert "水电班" in names
    assert "客服部" not in names


def test_department_of_another_organisation_is_404(api, cast):
    other = Department.objects.get(organisation=cast.other_organisation)
    response = api(cast.admin).get(f"departments/{other.pk}")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "未找到。", "fields": {}}}


@pytest.mark.parametrize("who", ["agent", "tech", "head_repair", "director", "quality"])
def test_only_administrators_create_departments(api, cast, who):
    before = Department.objects.count()
    response = api(getattr(cast, who)).post("departments", {"name": "绿化部", "code": "green"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert Department.objects.count() == before


def test_administrator_creates_department_with_timeline_event(api, cast):
    response = api(cast.admin).post(
        "departments", {"name": "绿化部", "code": "green", "parent_id": cast.cleaning.pk}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["parent_id"] == cast.cleaning.pk
    assert body["depth"] == 1
    created = Department.objects.get(pk=body["id"])
    assert Event.objects.for_subject(created).get().action == "department.created"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"code": "green"}, "name"),
        ({"name": "绿化部"}, "code"),
        ({"name": "绿化部", "code": "有空格 的"}, "code"),
        ({"name": "绿化部", "code": "service"}, "code"),  # already used
        ({"name": "绿化部", "code": "green", "parent_id": 999999}, "parent_id"),
    ],
)
def test_bad_department_input_names_the_field_and_writes_nothing(api, cast, payload, field):
    events_before = Event.objects.count()
    response = api(cast.admin).post("departments", payload)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"]
    assert not Department.objects.filter(code="green").exists()
    assert Event.objects.count() == events_before


def test_error_messages_follow_accept_language(api, cast):
    chinese = api(cast.admin).post("departments", {"code": "green"}).json()["error"]
    english = (
        api(cast.admin, language="en-US,en;q=0.9").post("departments", {"code": "green"}).json()["error"]
    )
    assert chinese["fields"]["name"] == ["此项为必填项"]
    assert english["fields"]["name"] == ["is required"]
    assert chinese["message"] != english["message"]


def test_moving_a_department_moves_its_subtree(api, cast):
    response = api(cast.admin).patch(
        f"departments/{cast.repair.pk}", {"parent_id": cast.management.pk, "reason": "机构调整"}
    )
    assert response.status_code == 200
    cast.plumbing.refresh_from_db()
    assert cast.plumbing.path.startswith(f"/{cast.management.pk}/{cast.repair.pk}/")
    loop = api(cast.admin).patch(f"departments/{cast.repair.pk}", {"parent_id": cast.plumbing.pk})
    assert loop.status_code == 422
    assert "parent" in loop.json()["error"]["fields"]


def test_staff_phones_masked_for_roles_that_do_not_need_them(api, cast):
    by_quality = {p["username"]: p for p in api(cast.quality).get("staff").json()}
    by_agent = {p["username"]: p for p in api(cast.agent).get("staff").json()}
    assert "*" in by_quality["tech"]["phone"]
    assert by_quality["tech"]["phone"].endswith(cast.tech.phone[-4:])
    assert by_agent["tech"]["phone"] == cast.tech.phone
    assert "outsider" not in by_agent


def test_staff_create_validation_and_roles(api, cast):
    response = api(cast.admin).post("staff", {"username": "new1", "full_name": "新人", "roles": ["wizard"]})
    assert response.status_code == 422
    assert "roles[0]" in response.json()["error"]["fields"]
    response = api(cast.admin).post(
        "staff",
        {"username": "new1", "full_name": "新人", "roles": ["agent"], "department_id": cast.service.pk},
    )
    assert response.status_code == 201
    assert User.objects.get(username="new1").has_role("agent")


def test_absence_rules_self_head_and_others(api, cast):
    window = {
        "kind": "leave",
        "starts_at": "2026-11-24T08:00:00+08:00",
        "ends_at": "2026-11-25T17:30:00+08:00",
    }
    assert api(cast.tech).post("absences", {"person_id": cast.tech.pk, **window}).status_code == 201
    assert api(cast.head_repair).post("absences", {"person_id": cast.plumber.pk, **window}).status_code == 201
    denied = api(cast.agent).post("absences", {"person_id": cast.tech2.pk, **window})
    assert denied.status_code == 403
    backwards = api(cast.tech2).post(
        "absences",
        {
            "person_id": cast.tech2.pk,
            "kind": "leave",
            "starts_at": "2026-11-25T08:00:00+08:00",
            "ends_at": "2026-11-24T08:00:00+08:00",
        },
    )
    assert backwards.status_code == 422
    assert "ends_at" in backwards.json()["error"]["fields"]


def test_absences_of_other_departments_are_invisible(api, cast):
    window = {
        "kind": "leave",
        "starts_at": "2026-11-24T08:00:00+08:00",
        "ends_at": "2026-11-25T17:30:00+08:00",
    }
    absence_id = api(cast.tech).post("absences", {"person_id": cast.tech.pk, **window}).json()["id"]
    assert api(cast.head_repair).get(f"absences/{absence_id}").status_code == 200
    assert api(cast.tech2).get(f"absences/{absence_id}").status_code == 200  # same department
    assert api(cast.cleaner).get(f"absences/{absence_id}").status_code == 404
    assert api(cast.agent).get(f"absences/{absence_id}").status_code == 404
    assert api(cast.director).get(f"absences/{absence_id}").status_code == 200
    assert api(cast.outsider).get(f"absences/{absence_id}").status_code == 404
    assert api(cast.cleaner).delete(f"absences/{absence_id}").status_code == 404


def test_duty_handler_endpoint_explains_b(api, cast):
    duty = duty_create(
        department=cast.repair, name="报修受理", primary=cast.tech, backup=cast.tech2, by=cast.admin
    )
    api(cast.tech).post(
        "absences",
        {
            "person_id": cast.tech.pk,
            "kind": "business_trip",
            "starts_at": "2026-11-24T08:00:00+08:00",
            "ends_at": "2026-11-26T18:00:00+08:00",
        },
    )
    before = api(cast.agent).get(f"duties/{duty.pk}/handler", {"at": "2026-11-24T07:59:00+08:00"}).json()
    during = api(cast.agent).get(f"duties/{duty.pk}/handler", {"at": "2026-11-25T10:00:00+08:00"}).json()
    english = (
        api(cast.agent, language="en")
        .get(f"duties/{duty.pk}/handler", {"at": "2026-11-25T10:00:00+08:00"})
        .json()
    )
    assert (before["role"], before["person"]["username"]) == ("A", "tech")
    assert (during["role"], during["reason"], during["person"]["username"]) == ("B", "backup", "tech2")
    assert during["absent"][0]["person"]["username"] == "tech"
    assert "2026-11-26 18:00" in during["explanation"]
    assert "出差" in during["explanation"]
    assert "business trip" in english["explanation"].lower()
    assert api(cast.outsider).get(f"duties/{duty.pk}/handler").status_code == 404


def test_duty_create_by_api_and_validation(api, cast):
    ok = api(cast.admin).post(
        "duties",
        {
            "department_id": cast.service.pk,
            "name": "热线",
            "kind": "queue",
            "primary_id": cast.agent.pk,
            "backup_id": cast.agent2.pk,
        },
    )
    assert ok.status_code == 201
    same = api(cast.admin).post(
        "duties",
        {
            "department_id": cast.service.pk,
            "name": "热线2",
            "primary_id": cast.agent.pk,
            "backup_id": cast.agent.pk,
        },
    )
    assert same.status_code == 422
    assert "backup" in same.json()["error"]["fields"]
    foreign = api(cast.admin).post(
        "duties",
        {
            "department_id": cast.service.pk,
            "name": "热线3",
            "primary_id": cast.agent.pk,
            "backup_id": cast.outsider.pk,
        },
    )
    assert foreign.status_code == 422
    assert "backup_id" in foreign.json()["error"]["fields"]
    assert Duty.objects.count() == 1


def test_list_endpoints_use_the_same_number_of_queries_at_10_and_200_rows(
    api, cast, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fuwu.org.services import staff_create

    client = api(cast.director)

    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    def add_staff(n: int, start: int) -> None:
        for i in range(start, start + n):
            staff_create(
                organisation=cast.organisation,
                username=f"s{i}",
                full_name=f"员工{i}",
                department=cast.repair,
                roles=["technician"],
            )

    add_staff(10, 0)
    client.get("me")  # the token's first use records its use time once
    small = {path: count(path) for path in ("staff", "departments", "duties", "absences")}
    add_staff(190, 10)
    large = {path: count(path) for path in ("staff", "departments", "duties", "absences")}
    assert small == large


def test_openapi_schema_lists_the_endpoints(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/departments",
        "/api/v1/staff",
        "/api/v1/absences",
        "/api/v1/duties",
        "/api/v1/duties/{duty_id}/handler",
    ):
        assert path in schema["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_token_command_prints_a_working_token(cast, client):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("token", "agent", stdout=out)
    key = out.getvalue().strip()
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert response.json()["username"] == "agent"


def test_an_intake_duty_can_be_marked_through_the_api(api, cast):
    created = api(cast.admin).post(
        "duties",
        {
            "department_id": cast.service.pk,
            "name": "网上报修",
            "kind": "queue",
            "primary_id": cast.agent.pk,
            "backup_id": cast.agent2.pk,
            "is_intake": True,
        },
    )
    assert created.status_code == 201
    assert created.json()["is_intake"] is True
    changed = api(cast.admin).patch(
        f"duties/{created.json()['id']}", {"is_intake": False, "reason": "改由电话受理"}
    )
    assert changed.json()["is_intake"] is False
