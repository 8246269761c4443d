"""Who sees which customer, on every interface: page, API, list, search, export, import pages."""

from __future__ import annotations

import pytest

from fuwu.org.models import Confidentiality

from .factories import make_customer

# Customer of 工程维修部 (repair). Plumbing (水电班) is below repair: its staff see their own subtree only.
SEES_REPAIR_CUSTOMER = {
    "admin": True,
    "director": True,
    "quality": True,
    "head_service": True,
    "agent": True,
    "agent2": True,
    "head_repair": True,
    "tech": True,
    "tech2": True,
    "plumber": False,
    "cleaner": False,
    "outsider": False,
}


@pytest.mark.parametrize(("role", "sees"), sorted(SEES_REPAIR_CUSTOMER.items()))
def test_customer_of_repair_department_on_every_interface(cast, web, api, role, sees):
    # given
    customer = make_customer(cast.organisation, "维修客户甲", department=cast.repair, phones=("13900001111",))
    user = getattr(cast, role)
    # when
    page = web(user).get(f"/customers/{customer.pk}/")
    listing = web(user).get("/customers/", {"q": "维修客户甲"})
    export = web(user).get("/customers/export/")
    client = api(user)
    detail = client.get(f"customers/{customer.pk}")
    found = client.get("customers", {"q": "维修客户甲"})
    by_phone = client.get("customers/lookup", {"phone": "13900001111"})
    products = client.get(f"customers/{customer.pk}/products")
    # then
    assert page.status_code == (200 if sees else 404)
    assert detail.status_code == (200 if sees else 404)
    assert products.status_code == (200 if sees else 404)
    assert (f'href="/customers/{customer.pk}/"' in listing.content.decode()) is sees
    assert ("维修客户甲" in export.content.decode("utf-8-sig")) is sees
    assert [c["id"] for c in found.json()["items"]] == ([customer.pk] if sees else [])
    assert [c["id"] for c in by_phone.json()["items"]] == ([customer.pk] if sees else [])


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("admin", True),
        ("director", True),
        ("quality", False),
        ("agent", False),
        ("tech", False),
    ],
)
def test_confidentiality_above_clearance_hides_the_customer(cast, web, api, role, sees):
    customer = make_customer(
        cast.organisation, "机密客户", department=cast.repair, confidentiality=Confidentiality.CONFIDENTIAL
    )
    user = getattr(cast, role)
    assert web(user).get(f"/customers/{customer.pk}/").status_code == (200 if sees else 404)
    assert api(user).get(f"customers/{customer.pk}").status_code == (200 if sees else 404)
    assert (f'href="/customers/{customer.pk}/"' in web(user).get("/customers/").content.decode()) is sees


def test_anonymous_gets_login_page_and_401(cast, client, api):
    customer = make_customer(cast.organisation, department=cast.repair)
    assert client.get(f"/customers/{customer.pk}/").status_code == 302
    assert api(None).get(f"customers/{customer.pk}").status_code == 401


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("agent", 200),
        ("head_repair", 200),
        ("director", 403),
        ("tech", 403),
        ("cleaner", 403),
    ],
)
def test_customer_import_page_is_for_those_who_edit_customers(cast, web, role, status):
    assert web(getattr(cast, role)).get("/customers/import/").status_code == status


@pytest.mark.parametrize(
    ("role", "status"), [("admin", 200), ("agent", 403), ("director", 403), ("tech", 403)]
)
def test_staff_import_page_is_for_administrators(cast, web, role, status):
    assert web(getattr(cast, role)).get("/customers/import/staff/").status_code == status


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("admin", True),
        ("agent", True),
        ("head_repair", True),
        ("tech", False),
        ("director", False),
    ],
)
def test_who_may_change_a_visible_customer(cast, api, role, allowed):
    # given a customer everybody in the list can see
    customer = make_customer(cast.organisation, "可改客户", department=cast.repair)
    # when
    response = api(getattr(cast, role)).patch(f"customers/{customer.pk}", {"notes": "改了"})
    # then: visible but not allowed is 403, and nothing changed
    assert response.status_code == (200 if allowed else 403)
    customer.refresh_from_db()
    assert (customer.notes == "改了") is allowed


def test_editing_a_customer_outside_visibility_is_404_not_403(cast, api, web):
    customer = make_customer(cast.organisation, "保洁看不到", department=cast.repair)
    assert api(cast.cleaner).patch(f"customers/{customer.pk}", {"notes": "x"}).status_code == 404
    assert api(cast.outsider).patch(f"customers/{customer.pk}", {"notes": "x"}).status_code == 404
    assert web(cast.outsider).get(f"/customers/{customer.pk}/edit/").status_code == 404
