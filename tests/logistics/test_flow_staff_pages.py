"""Logistics staff's goods-flow pages as they work them: every input of an action form visibly labelled (not a row
of bare boxes), the inbound list found by warehouse and expected date, the stock page offering a safety-stock form
only where logistics may set it, and picking straight from the shipments list."""
import re
from datetime import timedelta

import pytest

from logistics.models import InboundShipment, Shipment
from logistics.services import inbound, shipments
from suppliers.models import Location, StockRecord
from suppliers.services import inventory
from tests.factories import WarehouseFactory
from tests.helpers import picked_and_shipped
from tests.portal import field_errors, listed, logged_in, page_in, seen_by

pytestmark = pytest.mark.django_db


def visibly_labelled(page: str, label: str) -> bool:
    """Whether `label` names an input of the page as text a sighted reader sees, not for screen readers only."""
    return re.search(rf"<label(?: for=\"[^\"]*\")?>{re.escape(label)} <(input|select|textarea)\b", page) is not None


# action forms: each input with its visible label

@pytest.mark.parametrize("url", ["/logistics/inbound/", "/logistics/inbound/{pk}/"])
def test_the_receipt_form_labels_its_damaged_and_extra_quantities_visibly(logistics, announced, url):
    page = page_in(logistics, url.format(pk=announced.pk), "zh-hans")

    assert all(visibly_labelled(page, label) for label in ("实收数量", "破损数量", "多到数量", "备注"))
    assert '<span class="sr-only">破损数量</span>' not in page


def test_the_receipt_form_labels_its_quantities_in_english(logistics, announced):
    page = page_in(logistics, "/logistics/inbound/", "en")

    assert visibly_labelled(page, "Damaged quantity") and visibly_labelled(page, "Extra units")


def test_the_inspection_form_labels_its_refund_instead_of_exchange_box_visibly(logistics, exchange):
    page = page_in(logistics, f"/logistics/returns/{exchange.pk}/", "zh-hans")

    assert visibly_labelled(page, "换货无库存时改为退积分") and visibly_labelled(page, "检验结论")


def test_the_delivery_form_labels_the_signer_and_the_signing_time_visibly(logistics, warehouse_shipment, now):
    picked_and_shipped(shipment=warehouse_shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF-LABEL")

    page = page_in(logistics, f"/logistics/shipments/{warehouse_shipment.pk}/", "zh-hans")

    assert visibly_labelled(page, "签收人") and visibly_labelled(page, "签收时间（默认现在）")


# the inbound list: found by warehouse and expected day; its badge opens what it counts

@pytest.fixture
def three_announcements(supplier, stocked_gift, warehouse, logistics, now) -> dict[str, InboundShipment]:
    """Announced to 华东仓 in 3 days (`flow`) and 10 days (`later`), to another warehouse in 3 days (`elsewhere`), and
    one in 华东仓 received already (`received`)."""
    other = WarehouseFactory(code="WH-SOUTH", name="华南仓")
    inventory.receive_stock(gift=stocked_gift, location=other, quantity=1, at=now)

    def announce(location, days):
        return inbound.announce_inbound(supplier=supplier, gift_id=stocked_gift.pk, location_id=location.pk, quantity=4,
                                        expected_on=now.date() + timedelta(days=days), actor=None, now=now)

    rows = {"flow": announce(warehouse, 3), "later": announce(warehouse, 10), "elsewhere": announce(other, 3),
            "received": announce(warehouse, 3)}
    inbound.receive_inbound(inbound=rows["received"], actor=logistics, now=now, counted_quantity=4, damaged_quantity=0)
    return rows


def test_the_inbound_list_filters_by_warehouse_and_expected_days(logistics, three_announcements, warehouse, now):
    rows = three_announcements
    in_three_days = (now.date() + timedelta(days=3)).isoformat()

    assert listed(logistics, "/logistics/inbound/", warehouse=warehouse.pk) == sorted(rows[n].pk for n in ("flow", "later", "received"))
    assert listed(logistics, "/logistics/inbound/", expected_from=in_three_days, expected_to=in_three_days) == sorted(
        rows[n].pk for n in ("flow", "elsewhere", "received"))
    assert listed(logistics, "/logistics/inbound/", warehouse=warehouse.pk, state="announced",
                  expected_from=(now.date() + timedelta(days=4)).isoformat()) == [rows["later"].pk]


def test_an_expected_range_ending_before_it_starts_is_refused_next_to_its_end(logistics, three_announcements, now):
    response = logged_in(logistics).get("/logistics/inbound/", {"expected_from": (now.date() + timedelta(days=5)).isoformat(),
                                                                "expected_to": (now.date() + timedelta(days=1)).isoformat()})

    assert response.status_code == 400 and "expected_to" in field_errors(response)


def test_the_inbound_filters_are_labelled_in_chinese_and_english(logistics, three_announcements):
    chinese, english = (page_in(logistics, "/logistics/inbound/", language) for language in ("zh-hans", "en"))

    assert visibly_labelled(chinese, "入库仓") and visibly_labelled(chinese, "预计到货自")
    assert visibly_labelled(english, "Receiving warehouse") and visibly_labelled(english, "Expected from")


def test_the_inbound_badge_and_to_do_entry_open_the_shipments_to_receive_or_put_away_it_counts(logistics, three_announcements, now):
    shelved = three_announcements["later"]
    inbound.receive_inbound(inbound=shelved, actor=logistics, now=now, counted_quantity=4, damaged_quantity=0)
    inbound.put_away_inbound(inbound=shelved, actor=logistics, now=now)
    client = logged_in(logistics)
    home = client.get("/").content.decode()
    badge = int(re.search(r'data-testid="nav-badge-logistics-inbound"[^>]*>(\d+)<', home).group(1))
    badge_link = re.search(r'<a class="badge-link" href="([^"]+)" data-testid="nav-badge-link-logistics-inbound">', home).group(1)

    opened = client.get(badge_link)

    assert badge == 3 and badge_link == "/logistics/inbound/?waiting=1"
    assert sorted(row.pk for row in opened.context["page_obj"]) == sorted(
        three_announcements[n].pk for n in ("flow", "elsewhere", "received"))
    assert re.search(r'name="waiting"[^>]*checked', opened.content.decode())


def test_the_waiting_filter_narrows_with_the_others_and_is_logistics_own(logistics, operator, three_announcements, warehouse, now):
    rows = three_announcements

    assert listed(logistics, "/logistics/inbound/", waiting="1", state="received") == [rows["received"].pk]
    inbound.put_away_inbound(inbound=rows["received"], actor=logistics, now=now)
    assert listed(logistics, "/logistics/inbound/", waiting="1", warehouse=warehouse.pk) == sorted(rows[n].pk for n in ("flow", "later"))
    assert listed(logistics, "/logistics/inbound/", waiting="1", state="put_away") == []
    assert 'name="waiting"' not in page_in(operator, "/logistics/inbound/", "zh-hans")
    assert "仅看待我处理" in page_in(logistics, "/logistics/inbound/", "zh-hans")


# the stock page: a safety-stock form only where the reader may set it

@pytest.fixture
def own_and_warehouse_records(stocked_gift, warehouse, now) -> tuple[StockRecord, StockRecord]:
    """The stocked gift's record at 华东仓 (safety stock 6) and at its supplier's own dropship location (safety stock 2)."""
    own = Location.objects.create(code="DS-FLOW", name="自有仓", kind=Location.Kind.DROPSHIP, supplier=stocked_gift.supplier)
    inventory.receive_stock(gift=stocked_gift, location=own, quantity=3, at=now)
    for location, level in ((warehouse, 6), (own, 2)):
        inventory.set_safety_stock(gift=stocked_gift, location=location, safety_stock=level, at=now)
    return StockRecord.objects.get(location=warehouse), StockRecord.objects.get(location=own)


def stock_row(page: str, record: StockRecord) -> str:
    """The stock page's table row of `record` (found by the link to its movements)."""
    link = f"gift={record.gift_id}&amp;location={record.location_id}"
    return page.split(link, 1)[0].rsplit("<tr>", 1)[1] + page.split(link, 1)[1].split("</tr>", 1)[0]


def test_logistics_is_offered_the_safety_stock_form_at_the_warehouse_only_and_reads_the_suppliers_own_figure(
        logistics, own_and_warehouse_records):
    at_warehouse, at_own = own_and_warehouse_records

    page = page_in(logistics, "/supplier/stock/", "zh-hans")

    assert f'action="/supplier/stock/{at_warehouse.pk}/safety-stock/' in stock_row(page, at_warehouse)
    own_row = stock_row(page, at_own)
    assert "safety-stock-form" not in own_row and "/safety-stock/" not in own_row
    assert re.search(r'<td class="num">\s*2</td>\s*$', own_row)


def test_an_operator_is_offered_the_safety_stock_form_at_both_locations(operator, own_and_warehouse_records):
    page = page_in(operator, "/supplier/stock/", "zh-hans")

    assert all(f'action="/supplier/stock/{record.pk}/safety-stock/' in stock_row(page, record) for record in own_and_warehouse_records)


def test_a_safety_stock_logistics_posts_at_a_suppliers_own_location_is_refused_in_a_message_without_a_form(
        logistics, own_and_warehouse_records):
    _, at_own = own_and_warehouse_records

    page = logged_in(logistics).post(f"/supplier/stock/{at_own.pk}/safety-stock/", {"safety_stock": "5"}, follow=True).content.decode()

    assert "物流只能设置其运营仓库的安全库存" in page and "/safety-stock/" not in stock_row(page, at_own)
    assert StockRecord.objects.get(pk=at_own.pk).safety_stock == 2


# the shipments list: logistics picks from its row

def shipment_row(page: str, shipment: Shipment) -> str:
    return re.search(rf'<tr data-number="{shipment.order.number}">.*?</tr>', page, re.S).group(0)


def test_logistics_picks_a_shipment_from_the_list_and_comes_back_to_the_list_as_filtered(logistics, warehouse_shipment):
    client = logged_in(logistics)
    listed_at = "/logistics/shipments/?state=created&kind=warehouse"
    page = client.get(listed_at).content.decode()
    action = f"/logistics/shipments/{warehouse_shipment.pk}/pick/"
    assert f'action="{action}"' in shipment_row(page, warehouse_shipment) and "<th>操作</th>" in page

    response = client.post(action, {"seen": seen_by(page, action), "next": listed_at})

    assert response.status_code == 302 and response["Location"] == listed_at
    warehouse_shipment.refresh_from_db()
    assert warehouse_shipment.state == "picked" and warehouse_shipment.picked_at is not None
    assert f'action="{action}"' not in client.get(listed_at).content.decode()  # picked: no longer offered


def test_the_list_offers_no_pick_of_a_picked_or_dropship_shipment(logistics, warehouse_shipment, dropship_shipment, now):
    shipments.pick_shipment(shipment=warehouse_shipment, actor=logistics, now=now)

    page = page_in(logistics, "/logistics/shipments/", "zh-hans")

    assert "/pick/" not in shipment_row(page, warehouse_shipment) and "/pick/" not in shipment_row(page, dropship_shipment)


def test_a_pick_from_a_list_seen_before_someone_else_picked_is_refused_and_picks_once(logistics, warehouse_shipment, now):
    client = logged_in(logistics)
    page = client.get("/logistics/shipments/").content.decode()
    action = f"/logistics/shipments/{warehouse_shipment.pk}/pick/"
    shipments.pick_shipment(shipment=warehouse_shipment, actor=logistics, now=now)

    response = client.post(action, {"seen": seen_by(page, action), "next": "/logistics/shipments/"})

    assert response.status_code == 409
    assert list(Shipment.objects.filter(pk=warehouse_shipment.pk).values_list("state", flat=True)) == ["picked"]


@pytest.mark.parametrize("role", ["operator", "finance"])
def test_staff_who_do_not_pick_see_the_list_without_actions(request, role, warehouse_shipment):
    page = page_in(request.getfixturevalue(role), "/logistics/shipments/", "zh-hans")

    assert "/pick/" not in page and "<th>操作</th>" not in page


def test_the_action_column_is_headed_in_english(logistics, warehouse_shipment):
    assert "<th>Action</th>" in page_in(logistics, "/logistics/shipments/", "en")
