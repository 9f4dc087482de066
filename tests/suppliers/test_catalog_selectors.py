"""The member catalog selector: listed gifts of the program and tier only, prices, availability, filters."""
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import Program
from suppliers.errors import OutOfStock
from suppliers.selectors import choose_location, get_listed_gift, list_catalog, member_points_price
from suppliers.services import catalog, inventory
from tests.factories import GiftFactory, WarehouseFactory
from tests.helpers import published, stocked_to_clear

pytestmark = pytest.mark.django_db


def listed(operator, now, **attrs):
    return published(GiftFactory(**attrs), actor=operator, at=now)


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


def test_a_minimum_tier_hides_nothing_from_members_of_a_program_without_tiers(operator, now):
    mzone = Program.objects.get(code="mzone")
    gold_only = listed(operator, now, min_tier="gold")

    assert [g.pk for g in list_catalog(program=mzone, tier="standard")] == [gold_only.pk]
    assert get_listed_gift(program=mzone, tier="standard", gift_id=gold_only.pk) is not None


def test_the_points_filters_take_the_price_the_member_pays_after_its_tier_discount(operator, now, gotone):
    tea = listed(operator, now, points={"gotone": 1500}, tier_discounts={"diamond": 10})

    def shown(**bounds):
        return [g.pk for g in list_catalog(program=gotone, tier="diamond", **bounds)]

    assert shown(max_points=1350) == [tea.pk] and shown(min_points=1351) == []
    assert [g.member_points for g in list_catalog(program=gotone, tier="diamond")] == [1350]
    assert [g.pk for g in list_catalog(program=gotone, tier="gold", max_points=1350)] == []


def test_availability_counts_only_stock_the_gift_can_be_shipped_from(operator, now, gotone):
    from suppliers.models import Gift, Location

    gift = listed(operator, now)
    inventory.receive_stock(gift=gift, location=WarehouseFactory(), quantity=3, at=now)
    Gift.objects.filter(pk=gift.pk).update(fulfilment=Gift.Fulfilment.DROPSHIP)  # switched to dropship by a reviewed change
    own = Location.objects.create(code="DS-OWN", name="自有仓", kind=Location.Kind.DROPSHIP, supplier=gift.supplier)
    inventory.receive_stock(gift=gift, location=own, quantity=1, at=now)

    assert [g.available for g in list_catalog(program=gotone, tier="gold")] == [1]
    assert get_listed_gift(program=gotone, tier="gold", gift_id=gift.pk).available == 1


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


def test_one_listed_gift_reads_as_the_catalog_lists_it(operator, now, gotone):
    gift = listed(operator, now)
    inventory.receive_stock(gift=gift, location=WarehouseFactory(), quantity=7, at=now)
    inventory.receive_stock(gift=gift, location=WarehouseFactory(), quantity=3, at=now)
    in_catalog = list_catalog(program=gotone, tier="gold").get(pk=gift.pk)

    with CaptureQueriesContext(connection) as queries:
        one = get_listed_gift(program=gotone, tier="gold", gift_id=gift.pk)

    assert (one.pk, one.points_base, one.available) == (in_catalog.pk, in_catalog.points_base, in_catalog.available) == (gift.pk, 1500, 10)
    assert len(queries) == 1
    # read raw for speed, but typed as the ORM types them: money stays Decimal, discounts a dict, the rest loads on access
    assert (one.settlement_price, one.tier_discounts, one.created_at) == (gift.settlement_price, gift.tier_discounts, gift.created_at)
    assert isinstance(one.settlement_price, Decimal)


def test_one_gift_in_clearance_reads_at_its_clearance_price(operator, now, gotone):
    gift = stocked_to_clear(listed(operator, now))
    catalog.delist_gift(gift=gift, actor=operator, now=now, reason_code="low_sales", reason="运营下线")
    catalog.start_clearance(gift=gift, actor=operator, now=now, points_price=500, settlement_price=Decimal("50.00"))

    one = get_listed_gift(program=gotone, tier="gold", gift_id=gift.pk)

    assert (one.points_base, one.available) == (list_catalog(program=gotone, tier="gold").get(pk=gift.pk).points_base, 1) == (500, 1)


def test_one_gift_not_listed_to_the_member_reads_as_none(operator, now, gotone):
    diamond_only = listed(operator, now, min_tier="diamond")
    mzone_only = listed(operator, now, points={"mzone": 900})
    draft = GiftFactory()

    assert [get_listed_gift(program=gotone, tier="gold", gift_id=gift.pk) for gift in (diamond_only, mzone_only, draft)] == [None] * 3
    assert get_listed_gift(program=gotone, tier="diamond", gift_id=diamond_only.pk).pk == diamond_only.pk


def test_the_location_chosen_from_stock_already_read_is_the_one_read_afresh(operator, now, gotone):
    gift = listed(operator, now)
    smaller, larger = WarehouseFactory(), WarehouseFactory()
    inventory.receive_stock(gift=gift, location=smaller, quantity=2, at=now)
    inventory.receive_stock(gift=gift, location=larger, quantity=5, at=now)
    one = get_listed_gift(program=gotone, tier="gold", gift_id=gift.pk)

    chosen = [choose_location(gift=one, quantity=n, records=one.stock) for n in (1, 5)]

    assert chosen == [choose_location(gift=gift, quantity=n) for n in (1, 5)] == [larger, larger]
    with pytest.raises(OutOfStock):
        choose_location(gift=one, quantity=6, records=one.stock)
