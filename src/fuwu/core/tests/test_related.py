"""``fuwu.lib.related.load_related``: a record's foreign keys filled with one query per model they
point at, reading them afterwards costs nothing, empty keys stay None, and a name that is not a
forward foreign key is refused."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fuwu.lib.related import load_related
from fuwu.org.models import Role, User
from fuwu.org.services import department_create, staff_create
from fuwu.policy.services import organisation_create

pytestmark = pytest.mark.django_db


def test_foreign_keys_are_filled_with_one_query_per_model_pointed_at() -> None:
    organisation = organisation_create(name="相关测试公司", preset="property")
    repair = department_create(organisation=organisation, name="维修部", code="r")
    service = department_create(organisation=organisation, name="客服部", code="s")
    people = [
        staff_create(
            organisation=organisation,
            username=f"p{i}",
            full_name=f"员工{i}",
            department=d,
            roles=[Role.AGENT],
        )
        for i, d in enumerate([repair, service, repair, None])
    ]
    users = list(User.objects.filter(pk__in=[p.pk for p in people]).order_by("pk"))
    with CaptureQueriesContext(connection) as captured:
        load_related(users, "department", "organisation")
    assert len(captured) == 2  # departments in one query, the organisation in another
    with CaptureQueriesContext(connection) as captured:
        seen = [
            (u.department.name if u.department else None, u.organisation.name if u.organisation else None)
            for u in users
        ]
    assert len(captured) == 0
    assert seen == [
        ("维修部", "相关测试公司"),
        ("客服部", "相关测试公司"),
        ("维修部", "相关测试公司"),
        (None, "相关测试公司"),
    ]
    with CaptureQueriesContext(connection) as captured:
        load_related([users[3]], "department")  # every key empty: nothing to read
    assert len(captured) == 0
    load_related([], "department")


def test_only_forward_foreign_keys_may_be_named() -> None:
    organisation = organisation_create(name="相关测试公司", preset="property")
    person = staff_create(
        organisation=organisation, username="p", full_name="员工", department=None, roles=[]
    )
    with pytest.raises(ValueError, match="not a foreign key"):
        load_related([person], "full_name")
