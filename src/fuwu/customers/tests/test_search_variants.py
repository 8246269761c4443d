"""Customer search the way people say addresses and names: 5栋 / 5号 / 5幢 / 5座 / 5号楼 are one building,
a surname finds every customer of that name, and the look-ups say when more matched than are shown."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from fuwu.customers.models import Customer
from fuwu.lib.search import normalise_places, query_tokens, tokens

from .factories import make_customer

VARIANTS = [
    "5栋2单元404",
    "5号2单元404",
    "5幢2单元404",
    "5座2单元404",
    "5号楼2单元404室",
    "5楼2单元404",
    "5栋 2单元 404",
    "5号楼2单元404",
]


@pytest.fixture
def places(cast):
    return {
        "written": make_customer(
            cast.organisation, "宋江", building="5号楼", unit="2单元", room="404室", phones=("13375901234",)
        ),
        "plain": make_customer(
            cast.organisation, "宋先生", building="5", unit="2", room="404", phones=("13912340001",)
        ),
        "swapped": make_customer(
            cast.organisation, "王五", building="2", unit="5", room="404", phones=("13912340002",)
        ),
        "other_room": make_customer(
            cast.organisation, "赵六", building="5", unit="2", room="403", phones=("13912340003",)
        ),
    }


def _names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["items"]}


@pytest.mark.parametrize("query", VARIANTS)
def test_every_way_of_writing_a_building_finds_5_hao_lou_2_danyuan_404(cast, api, web, places, query):
    expected = {"宋江", "宋先生"}  # not 2号楼5单元404, not room 403

    assert _names(api(cast.agent).get("customers", {"q": query})) == expected
    assert _names(api(cast.agent).get("customers/suggestions", {"q": query})) == expected
    listing = web(cast.agent).get("/customers/", {"q": query}).content.decode()
    lookup = (
        web(cast.agent)
        .get("/work-orders/new/lookup/", {"caller_phone": "", "lookup": query})
        .content.decode()
    )
    for html in (listing, lookup):
        assert {name for name in ("宋江", "宋先生", "王五", "赵六") if name in html} == expected


def test_places_are_spelt_one_way_and_kept_as_words():
    assert normalise_places("5栋2单元404") == normalise_places("5幢2单元404") == "5号楼2单元404"
    assert normalise_places("A座3单元") == "a号楼3单元"
    assert normalise_places("12楼1502") == "12层1502"  # a floor, as no unit follows
    # A number, a space, then a word that starts with 楼 (a complaint number and its subject).
    assert normalise_places("2612-0002 楼道脏") == "2612-0002 楼道脏"
    assert normalise_places("5 楼 2单元") == "5号楼 2单元"  # a building: a unit follows
    assert {"5号楼", "2单元", "404室"} <= set(tokens("5号楼2单元404室"))
    assert query_tokens("5栋2单元404") == [
        "5",
        "2",
        "404",
        "5号楼",
        "2单元",
    ]  # 栋, 单元 alone are not required
    assert query_tokens("文三路404号") == ["文", "三路", "404"]  # a street number is not a building


def test_a_surname_finds_every_customer_of_that_name(cast, api, web, places):
    make_customer(cast.organisation, "宋小宝", phones=("13912340004",), building="", room="")

    assert _names(api(cast.agent).get("customers", {"q": "宋"})) == {"宋江", "宋先生", "宋小宝"}
    assert _names(api(cast.agent).get("customers/suggestions", {"q": "宋"})) == {"宋江", "宋先生", "宋小宝"}
    assert _names(api(cast.agent).get("customers", {"q": "宋 404"})) == {"宋江", "宋先生"}
    lookup = web(cast.agent).get("/work-orders/new/lookup/", {"lookup": "宋"}).content.decode()
    assert lookup.count("data-pick-customer=") == 3


def test_the_look_ups_say_when_more_matched_than_are_shown(cast, api, web):
    for i in range(12):
        make_customer(cast.organisation, f"宋{i:02d}", phones=(f"1391234{i:04d}",), building="", room="")
    make_customer(cast.organisation, "王五", phones=("13700000000",), building="", room="")

    lookup = web(cast.agent).get("/work-orders/new/lookup/", {"lookup": "宋"}).content.decode()
    suggested = api(cast.agent).get("customers/suggestions", {"q": "宋", "limit": 10}).json()
    few = web(cast.agent).get("/work-orders/new/lookup/", {"lookup": "王五"}).content.decode()
    by_phone = (
        api(cast.agent).get("customers/suggestions", {"phone": "1391234"}).json()
    )  # a part of 12 numbers

    assert lookup.count("data-pick-customer=") == 10
    assert 'data-testid="more-matches"' in lookup
    notice = lookup.split('data-testid="more-matches"')[1].split("</div>")[0]
    assert "10" in notice  # shown
    assert "12" in notice  # in all
    assert (len(suggested["items"]), suggested["count"], suggested["more"]) == (10, 12, True)
    assert 'data-testid="more-matches"' not in few
    assert (by_phone["count"], by_phone["more"], by_phone["exact_phone"]) == (12, True, False)


def test_the_phone_look_up_counts_every_customer_with_the_number(cast, api):
    for name in ("张三", "张三之妻", "张三之子"):
        make_customer(cast.organisation, name, phones=("13812345678",))

    page = api(cast.agent).get("customers/lookup", {"phone": "138 1234 5678", "limit": 2}).json()

    assert (len(page["items"]), page["count"]) == (2, 3)


def test_the_look_ups_find_only_customers_the_user_may_see(cast, api, web, places):
    make_customer(
        cast.organisation,
        "宋机密",
        building="5",
        unit="2",
        room="404",
        confidentiality=2,
        phones=("13912349999",),
    )

    assert "宋机密" not in _names(api(cast.agent).get("customers/suggestions", {"q": "5栋2单元404"}))
    assert (
        "宋机密"
        not in web(cast.agent)
        .get("/work-orders/new/lookup/", {"caller_phone": "13912349999"})
        .content.decode()
    )
    assert _names(api(cast.agent).get("customers/suggestions", {"phone": "13912349999"})) == set()
    assert "宋机密" in _names(api(cast.director).get("customers/suggestions", {"q": "5栋2单元404"}))


def test_reindex_search_brings_stored_words_up_to_the_rules(cast, api, places):
    Customer.objects.update(search_text=" 5 号楼 2 单元 404 室 ")  # words stored before places were words
    assert _names(api(cast.agent).get("customers", {"q": "5栋2单元404"})) == set()

    call_command("reindex_search")

    assert _names(api(cast.agent).get("customers", {"q": "5栋2单元404"})) == {"宋江", "宋先生"}
