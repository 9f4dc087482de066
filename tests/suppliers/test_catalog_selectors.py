"""The member catalog selector: listed gifts of the program and tier only, prices, availability, filters."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.fsm import apply_transition
from core.models import Program
from suppliers.selectors import list_catalog, member_points_price
from suppliers.services import inventory
from tests.factories import GiftFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


def listed(operator, now, **attrs):
    gift = GiftFactory(**attrs)
    for name in ("submit", "approve", "publish"):
        apply_transition(gift, name, actor=operator, at=now)
    return gift


@pytest.fixture
def gotone():
    return Program.objects.get(code="gotone")


def test_only_listed_gifts_with_a_price_in_the_program_are_shown(operator, now, gotone):
    shown = listed(operator, now)
    GiftFactory()
    listed(operator, now, points={"mzone": 900})

    assert [g.pk for g in list_catalog(program=gotone, tier="gold")] == [shown.pk]


def test_gifts_above_the_members_tier_are_hidden(operator, now, gotone):
    for_all = listed(operator, now)
    diamond_only = listed(operator, now, min_tier="diamond")

    assert [g.pk for g in list_catalog(program=gotone, tier="gold")] == [for_all.pk]
    assert {g.pk for g in list_catalog(program=gotone, tier="diamond")} == {for_all.pk, diamond_only.pk}


def test_sold_out_gifts_stay_listed_with_zero_available(operator, now, gotone):
    sold_out = listed(operator, now)
    stocked = listed(operator, now)
    inventory.receive_stock(gift=stocked, location=WarehouseFactory(), quantity=7, at=now)

    available = {g.pk: g.available for g in list_catalog(program=gotone, tier="gold")}

    assert available == {sold_out.pk: 0, stocked.pk: 7}


def test_tier_discounts_apply_to_the_gotone_price_only(operator, now, gotone):
    gift = listed(operator, now, tier_discounts={"gold": 5, "diamond": 10})
    mzone = Program.objects.get(code="mzone")

    assert member_points_price(gift=gift, program=gotone, tier="gold", base=1500) == 1425
    assert member_points_price(gift=gift, program=gotone, tier="silver", base=1500) == 1500
    assert member_points_price(gift=gift, program=mzone, tier="standard", base=1200) == 1200


def test_filters_by_category_points_range_and_text(operator, now, gotone):
    cheap = listed(operator, now, name="保温杯", points={"gotone": 500})
    listed(operator, now, name="龙井茶", points={"gotone": 3000})

    assert [g.pk for g in list_catalog(program=gotone, tier="gold", max_points=1000)] == [cheap.pk]
    assert [g.pk for g in list_catalog(program=gotone, tier="gold", text="保温")] == [cheap.pk]
    assert list_catalog(program=gotone, tier="gold", category="phones").count() == 0


def test_the_catalog_runs_the_same_queries_for_1_and_50_gifts(operator, now, gotone):
    listed(operator, now)
    with CaptureQueriesContext(connection) as one:
        list(list_catalog(program=gotone, tier="gold"))
    for _ in range(49):
        listed(operator, now)
    with CaptureQueriesContext(connection) as fifty:
        gifts = list(list_catalog(program=gotone, tier="gold"))

    assert len(gifts) == 50
    assert len(one.captured_queries) == len(fifty.captured_queries) == 1
