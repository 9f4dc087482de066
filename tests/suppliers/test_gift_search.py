"""A gift is found by the words people type, in any order and full-width: the member's catalog (page and API), the
supplier's and the operator's gift tables, the gift and stock APIs."""
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from suppliers.models import Gift
from suppliers.selectors import list_catalog
from tests.factories import GiftFactory, SupplierUserFactory
from tests.helpers import published
from tests.portal import logged_in

pytestmark = pytest.mark.django_db
FOUND = ["龙井 礼盒", "礼盒 龙井", "２５０ｇ", "西湖　250G"]  # the last with an ideographic space


@pytest.fixture
def tea(listed_gift) -> Gift:
    Gift.objects.filter(pk=listed_gift.pk).update(sku="TEA-LJ001", name="西湖龙井礼盒 250g", description="明前采摘")
    listed_gift.refresh_from_db()
    return listed_gift


@pytest.fixture
def cups(operator, now) -> Gift:
    return published(GiftFactory(sku="CUP-01", name="景德镇茶具礼盒", description="白瓷"), actor=operator, at=now)


def catalog_of(member, text: str) -> list[Gift]:
    return list(list_catalog(program=member.program, tier=member.tier, text=text))


@pytest.mark.parametrize("text", [*FOUND, "明前 龙井"])
def test_the_catalog_finds_a_gift_by_its_words_in_any_order_and_full_width(member, tea, cups, text):
    assert catalog_of(member, text) == [tea]


def test_every_word_must_be_in_the_gift_and_a_shared_word_finds_both(member, tea, cups):
    assert catalog_of(member, "龙井 白瓷") == []
    assert sorted(gift.pk for gift in catalog_of(member, "礼盒")) == sorted([tea.pk, cups.pk])


def test_the_catalog_page_and_api_find_the_gift_by_its_words_in_the_same_queries_as_one_word(member, tea, cups, api):
    client = logged_in(member.user)

    def queries(text: str) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            html = client.get("/member/catalog/", {"q": text}).content.decode()
        return len(captured.captured_queries), html

    one_word, _page = queries("礼盒")
    words, page = queries("礼盒 ２５０ｇ")
    by_api = api(member.user).get("/api/v1/catalog/", {"q": "礼盒 龙井"}).json()["results"]

    assert re.findall(r'data-gift="(\d+)"', page) == [str(tea.pk)]
    assert words == one_word
    assert [row["id"] for row in by_api] == [tea.pk]


@pytest.mark.parametrize("text", ["ＴＥＡ－ＬＪ", "tea-lj", "礼盒 龙井", "２５０ｇ"])
def test_the_supplier_and_operator_gift_tables_find_the_gift_by_sku_or_words(tea, cups, operator, text):
    own_staff = SupplierUserFactory(username="tea_admin", supplier=tea.supplier)

    own = logged_in(own_staff).get("/supplier/gifts/", {"q": text}).content.decode()
    admin = logged_in(operator).get("/supplier/gift-admin/", {"q": text}).content.decode()

    assert tea.sku in own and re.findall(r'<tr data-sku="([^"]+)"', admin) == [tea.sku]


def test_the_gift_and_stock_apis_search_as_the_pages_do(tea, cups, operator, api):
    client = api(operator)

    gifts = client.get("/api/v1/gifts/", {"search": "ＴＥＡ－ＬＪ"}).json()["results"]
    both = client.get("/api/v1/gifts/", {"search": "礼盒"}).json()["results"]
    stock = client.get("/api/v1/stock/", {"search": "礼盒 ２５０ｇ"}).json()["results"]

    assert [row["id"] for row in gifts] == [tea.pk]
    assert sorted(row["id"] for row in both) == sorted([tea.pk, cups.pk])
    assert {row["gift"] for row in stock} == {tea.pk}
