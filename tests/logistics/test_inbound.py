"""Inbound stock (SPEC §4.3, §4.6): announced by the supplier, received and put away by logistics; shortage only
corrects stock, damage on arrival is written off with the tariff's handling fee, replenishment requests are met."""
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from core.errors import InvalidTransition, ValidationFailed
from core.fsm import history_of
from logistics.errors import GiftRetiredOnArrival, ReplenishmentAlreadyAnnounced
from logistics.models import ExtraCost, InboundShipment, Tariff
from logistics.services import inbound
from suppliers.models import Location, Notice, ReplenishmentRequest, StockMovement, StockRecord
from suppliers.services import inventory
from suppliers.services.notices import needs_action
from tests.factories import SHANGHAI, GiftFactory, WarehouseFactory
from tests.portal import field_errors, logged_in
from tests.helpers import fresh_key, gift_in_state, only_notice

pytestmark = pytest.mark.django_db


@pytest.fixture
def warehouse(db):
    return WarehouseFactory(code="WH-IN", name="华东入库仓")


@pytest.fixture
def warehouse_gift(supplier):
    """An approved warehouse gift of the supplier (it can sell, so stock may be announced), settlement price 180.00."""
    return GiftFactory(supplier=supplier, state="approved")


def announce(supplier, gift, location, now, *, quantity=10, expected_on=None, **extra):
    return inbound.announce_inbound(
        supplier=supplier, gift_id=gift.pk, location_id=location.pk, quantity=quantity,
        expected_on=expected_on or now.date() + timedelta(days=3), actor=None, now=now, **extra,
    )


@pytest.fixture
def announced(supplier, warehouse_gift, warehouse, now):
    """Ten units announced to arrive in three days."""
    return announce(supplier, warehouse_gift, warehouse, now)


def stock_of(gift, location) -> tuple[int, int]:
    record = StockRecord.objects.filter(gift=gift, location=location).first()
    return (record.on_hand, record.reserved) if record else (0, 0)


def movements_of(gift) -> list[tuple[str, int]]:
    return list(StockMovement.objects.filter(gift=gift).order_by("id").values_list("kind", "on_hand_delta"))


def test_a_supplier_announces_its_own_warehouse_gift_and_nothing_is_in_stock_yet(announced, warehouse_gift, warehouse):
    assert re.fullmatch(r"IB20261015\d{12}", announced.number)
    assert (announced.state, announced.announced_quantity, announced.counted_quantity) == ("announced", 10, None)
    assert stock_of(warehouse_gift, warehouse) == (0, 0)


def test_receiving_a_shortage_adds_only_the_counted_units(announced, warehouse_gift, warehouse, logistics, now):
    inbound.receive_inbound(inbound=announced, counted_quantity=8, damaged_quantity=0, actor=logistics, now=now)

    announced.refresh_from_db()
    assert (announced.state, announced.counted_quantity, announced.shortage) == ("received", 8, 2)
    assert stock_of(warehouse_gift, warehouse) == (8, 0)
    assert movements_of(warehouse_gift) == [("inbound", 8)]
    assert not ExtraCost.objects.exists()


def test_damage_on_arrival_is_written_off_with_the_tariffs_handling_fee_per_unit_not_the_goods_value(
    announced, warehouse_gift, warehouse, logistics, now, supplier
):
    inbound.receive_inbound(inbound=announced, counted_quantity=10, damaged_quantity=3, actor=logistics, now=now)

    assert stock_of(warehouse_gift, warehouse) == (7, 0)
    assert movements_of(warehouse_gift) == [("inbound", 10), ("write_off", -3)]
    assert inventory.rebuild_stock(gift=warehouse_gift, location=warehouse) == (7, 0)
    fee = ExtraCost.objects.get()
    assert (fee.kind, fee.payer, fee.supplier, fee.inbound, fee.quantity) == ("handling", "supplier", supplier, announced, 3)
    assert fee.amount == Tariff.objects.get(kind="handling").amount * 3 == Decimal("4.50")
    assert fee.amount != warehouse_gift.settlement_price * 3
    assert fee.recorded_by == logistics


def test_without_a_handling_tariff_damage_is_written_off_but_costs_nothing(announced, warehouse_gift, warehouse, logistics, now):
    Tariff.objects.filter(kind="handling").delete()

    inbound.receive_inbound(inbound=announced, counted_quantity=10, damaged_quantity=2, actor=logistics, now=now)

    assert stock_of(warehouse_gift, warehouse) == (8, 0)
    assert not ExtraCost.objects.exists()


def test_the_supplier_is_told_what_was_received(announced, logistics, now, supplier):
    inbound.receive_inbound(inbound=announced, counted_quantity=9, damaged_quantity=1, actor=logistics, now=now)

    notice = Notice.objects.get(supplier=supplier, kind="inbound_received")
    assert announced.number in notice.title_text
    assert "实收 9/10" in notice.body_text and "短少 1" in notice.body_text and "破损 1" in notice.body_text and "¥1.50" in notice.body_text


def test_the_received_notice_links_to_the_inbound_shipment_on_the_suppliers_page(announced, logistics, now, supplier):
    inbound.receive_inbound(inbound=announced, counted_quantity=10, damaged_quantity=0, actor=logistics, now=now)

    assert Notice.objects.get(supplier=supplier, kind="inbound_received").link == f"/logistics/announce/?q={announced.number}"


def test_received_goods_are_put_away_and_every_transition_is_logged(announced, logistics, now):
    inbound.receive_inbound(inbound=announced, counted_quantity=10, damaged_quantity=0, actor=logistics, now=now, reason="月台3")
    inbound.put_away_inbound(inbound=announced, actor=logistics, now=now + timedelta(hours=2))

    announced.refresh_from_db()
    assert (announced.state, announced.put_away_at) == ("put_away", now + timedelta(hours=2))
    assert [(log.source_state, log.target_state, log.actor, log.reason_text) for log in history_of(announced)] == [
        ("", "announced", None, ""), ("announced", "received", logistics, "实收 10/10，短少 0，破损 0：月台3"), ("received", "put_away", logistics, ""),
    ]


def test_goods_put_away_tell_the_supplier_in_its_inbox_how_many_can_now_be_redeemed(announced, logistics, now, supplier):
    inbound.receive_inbound(inbound=announced, counted_quantity=9, damaged_quantity=1, actor=logistics, now=now)

    inbound.put_away_inbound(inbound=announced, actor=logistics, now=now + timedelta(hours=2))

    notice = only_notice(supplier, "inbound_put_away", sms=False)  # routine work: the inbox, no SMS
    assert (notice.title_text, notice.link) == (f"入库单 {announced.number} 已上架", f"/logistics/announce/?q={announced.number}")
    assert notice.body_text == f"{announced.gift.name} 的 8 件已在华东入库仓上架，可供兑换。"
    with translation.override("en"):
        assert notice.body_label == f"{announced.gift.name} is on the shelves at 华东入库仓 (quantity 8), available for redemption."


def test_an_announcement_with_nothing_to_shelve_or_the_suppliers_own_steps_tell_it_nothing_of_a_put_away(
    supplier, supplier_admin, warehouse_gift, warehouse, logistics, now
):
    withdrawn = announce(supplier, warehouse_gift, warehouse, now)
    inbound.withdraw_inbound(inbound=withdrawn, actor=supplier_admin, now=now, reason="货物未备齐")
    all_damaged = announce(supplier, warehouse_gift, warehouse, now)
    inbound.receive_inbound(inbound=all_damaged, counted_quantity=2, damaged_quantity=2, actor=logistics, now=now)

    inbound.put_away_inbound(inbound=all_damaged, actor=logistics, now=now)

    assert not Notice.objects.filter(kind="inbound_put_away").exists()


def test_putting_away_before_receipt_is_refused_and_changes_nothing(announced, logistics, now):
    with pytest.raises(InvalidTransition):
        inbound.put_away_inbound(inbound=announced, actor=logistics, now=now)

    announced.refresh_from_db()
    assert (announced.state, announced.put_away_at) == ("announced", None)
    assert [log.transition for log in history_of(announced)] == ["announce"]


def test_receiving_twice_is_refused_and_the_stock_counts_once(announced, warehouse_gift, warehouse, logistics, now):
    inbound.receive_inbound(inbound=announced, counted_quantity=10, damaged_quantity=1, actor=logistics, now=now)

    with pytest.raises(InvalidTransition):
        inbound.receive_inbound(inbound=announced, counted_quantity=10, damaged_quantity=1, actor=logistics, now=now)

    assert stock_of(warehouse_gift, warehouse) == (9, 0)
    assert ExtraCost.objects.count() == 1


@pytest.mark.parametrize(("fields", "field"), [
    ({"expected_on": date(9999, 12, 31)}, "expected_on"), ({"note": "备" * 301}, "note"),
])
def test_an_arrival_more_than_a_year_ahead_or_an_overlong_note_is_refused(supplier, warehouse_gift, warehouse, now, fields, field):
    with pytest.raises(ValidationFailed) as refused:
        announce(supplier, warehouse_gift, warehouse, now, **fields)

    assert refused.value.field == field and not InboundShipment.objects.exists()
    assert announce(supplier, warehouse_gift, warehouse, now, expected_on=now.date() + timedelta(days=365)).expected_on.year >= now.year


@pytest.fixture
def open_request(warehouse_gift, warehouse, now):
    """A safety stock of 5 with nothing on hand raises a replenishment request due in 7 days."""
    inventory.set_safety_stock(gift=warehouse_gift, location=warehouse, safety_stock=5, at=now)
    return ReplenishmentRequest.objects.get(gift=warehouse_gift, location=warehouse, state="open")


def test_stock_received_against_a_replenishment_request_meets_it_by_its_due_date(supplier, warehouse_gift, warehouse, open_request, logistics, now):
    shipment = announce(supplier, warehouse_gift, warehouse, now, replenishment_request_id=open_request.pk)
    received_at = now + timedelta(days=2)

    inbound.receive_inbound(inbound=shipment, counted_quantity=10, damaged_quantity=0, actor=logistics, now=received_at)

    open_request.refresh_from_db()
    assert shipment.replenishment_request == open_request
    assert (open_request.state, open_request.met_at) == ("met", received_at)
    assert open_request.met_at.date() <= open_request.due_date


def test_stock_received_meets_the_open_request_of_its_gift_and_warehouse_even_unlinked(announced, open_request, logistics, now):
    inbound.receive_inbound(inbound=announced, counted_quantity=6, damaged_quantity=0, actor=logistics, now=now)

    open_request.refresh_from_db()
    assert open_request.state == "met"


def test_a_partial_delivery_leaves_the_request_open_until_stock_is_back_at_the_safety_stock(
    supplier, warehouse_gift, warehouse, open_request, logistics, now
):
    first, second = (announce(supplier, warehouse_gift, warehouse, now, quantity=n) for n in (3, 2))

    inbound.receive_inbound(inbound=first, counted_quantity=3, damaged_quantity=0, actor=logistics, now=now + timedelta(days=1))
    open_request.refresh_from_db()
    after_first = open_request.state
    inbound.receive_inbound(inbound=second, counted_quantity=2, damaged_quantity=0, actor=logistics, now=now + timedelta(days=2))
    open_request.refresh_from_db()

    assert after_first == "open" and stock_of(warehouse_gift, warehouse) == (5, 0)
    assert (open_request.state, open_request.met_at) == ("met", now + timedelta(days=2))


def test_a_delivery_that_is_all_damaged_does_not_meet_the_request(announced, open_request, logistics, now):
    inbound.receive_inbound(inbound=announced, counted_quantity=4, damaged_quantity=4, actor=logistics, now=now)

    open_request.refresh_from_db()
    assert open_request.state == "open"


@pytest.mark.parametrize(("counted", "damaged"), [(4, 4), (0, 0)])
def test_an_arrival_that_shelves_nothing_meets_no_request_even_with_the_stock_back_at_the_safety_stock(
    announced, warehouse_gift, warehouse, open_request, logistics, now, counted, damaged
):
    """The request is met by stock received (SPEC §4.10): units that came back otherwise (returned to stock) do not
    let an arrival that was all damaged or all short count as the replenishment, on time."""
    inventory.restock(gift=warehouse_gift, location=warehouse, quantity=5, at=now)

    inbound.receive_inbound(inbound=announced, counted_quantity=counted, damaged_quantity=damaged, actor=logistics, now=now)

    open_request.refresh_from_db()
    assert stock_of(warehouse_gift, warehouse) == (5, 0)
    assert (open_request.state, open_request.met_at) == ("open", None)


def other_gift(kind: str, supplier, now):
    """A gift that may not be announced: another supplier's, a dropship one, or a retired one."""
    if kind == "another supplier's":
        return GiftFactory()
    if kind == "dropship":
        return GiftFactory(supplier=supplier, fulfilment="dropship")
    return gift_in_state("retired", supplier=supplier, at=now)


@pytest.mark.parametrize("kind", ["another supplier's", "dropship", "retired"])
def test_announcing_a_gift_that_is_not_the_suppliers_warehouse_gift_is_refused(supplier, warehouse, now, kind):
    gift = other_gift(kind, supplier, now)

    assert refused_field(supplier, gift, warehouse, now) == "gift"


@pytest.mark.parametrize("state", ["draft", "submitted", "rejected"])
def test_announcing_a_gift_that_cannot_sell_yet_is_refused_naming_the_gift_and_its_state(supplier, warehouse, now, state):
    gift = GiftFactory(supplier=supplier, state=state)

    with pytest.raises(ValidationFailed) as refused:
        announce(supplier, gift, warehouse, now)

    assert refused.value.field == "gift" and gift.sku in refused.value.detail and gift.get_state_display() in refused.value.detail
    assert not InboundShipment.objects.exists()


@pytest.mark.parametrize("state", ["approved", "online", "offline", "clearance"])
def test_a_gift_that_can_sell_may_be_announced(supplier, warehouse, now, state):
    gift = GiftFactory(supplier=supplier, state=state)

    assert announce(supplier, gift, warehouse, now).gift == gift


def test_the_announcement_form_offers_only_gifts_that_can_sell_by_name_with_their_sku(supplier, supplier_admin):
    GiftFactory(supplier=supplier, state="online", name="B 保温杯", sku="CUP-1")
    GiftFactory(supplier=supplier, state="approved", name="A 茶具", sku="TEA-9")
    for state in ("draft", "submitted", "rejected", "retired"):
        GiftFactory(supplier=supplier, state=state, sku=f"NOT-{state}")

    page = logged_in(supplier_admin).get("/logistics/announce/").content.decode()

    select = page.split('name="gift"', 1)[1].split("</select>", 1)[0]
    assert re.findall(r"<option[^>]*>([^<]*)</option>", select)[-2:] == ["A 茶具 · TEA-9", "B 保温杯 · CUP-1"]
    assert "NOT-" not in select


def test_an_announcement_wrong_in_gift_quantity_and_date_names_each_one_and_writes_nothing(api, supplier_staff, supplier, warehouse):
    body = {"gift": GiftFactory(supplier=supplier).pk, "location": warehouse.code, "quantity": 0,
            "expected_on": (timezone.localdate() - timedelta(days=1)).isoformat()}

    response = api(supplier_staff).post("/api/v1/inbound-shipments/", body, format="json", **fresh_key())

    assert response.status_code == 400
    assert [error["attr"] for error in response.json()["errors"]] == ["quantity", "gift", "expected_on"]
    assert not InboundShipment.objects.exists()


def test_the_service_names_the_quantity_the_date_and_the_warehouse_together(supplier, warehouse_gift, now):
    with pytest.raises(ValidationFailed) as refused:
        inbound.announce_inbound(supplier=supplier, gift_id=warehouse_gift.pk, location_id=0, quantity=0,
                                 expected_on=now.date() - timedelta(days=1), actor=None, now=now)

    assert [field for field, _code, _detail in refused.value.errors] == ["quantity", "location", "expected_on"]
    assert not InboundShipment.objects.exists()


def test_the_api_refuses_announcing_a_draft_gift_on_the_gift(api, supplier_staff, supplier, warehouse):
    draft = GiftFactory(supplier=supplier)
    body = {"gift": draft.pk, "location": warehouse.code, "quantity": 10, "expected_on": (timezone.localdate() + timedelta(days=3)).isoformat()}

    response = api(supplier_staff).post("/api/v1/inbound-shipments/", body, format="json", **fresh_key())

    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "gift"
    assert not InboundShipment.objects.exists()


@pytest.mark.parametrize(("state", "what_to_do"), [
    ("draft", "请先提交审核，审核通过后才能预报入库"),
    ("submitted", "待审核」：审核通过后才能预报入库"),
    ("rejected", "请按驳回原因修改后重新提交"),
    ("retired", "已退市」，不再销售，不能预报入库：已在仓的余货按遗留礼品处理；如需继续供货，请新建礼品提交审核"),
])
def test_a_refused_announcement_says_what_the_supplier_does_for_the_gifts_state(supplier, warehouse, now, state, what_to_do):
    gift = GiftFactory(supplier=supplier, state=state)

    with pytest.raises(ValidationFailed) as refused:
        announce(supplier, gift, warehouse, now)

    assert refused.value.field == "gift" and gift.sku in refused.value.detail and what_to_do in refused.value.detail
    assert not InboundShipment.objects.exists()


def test_the_api_refuses_a_retired_gift_saying_so_in_the_callers_language(api, supplier_staff, supplier, warehouse):
    retired = GiftFactory(supplier=supplier, state="retired")
    body = {"gift": retired.pk, "location": warehouse.code, "quantity": 10, "expected_on": (timezone.localdate() + timedelta(days=3)).isoformat()}

    response = api(supplier_staff).post("/api/v1/inbound-shipments/", body, format="json", HTTP_ACCEPT_LANGUAGE="en", **fresh_key())

    error = response.json()["errors"][0]
    assert response.status_code == 400 and error["attr"] == "gift" and "create a new gift" in error["detail"]
    assert not InboundShipment.objects.exists()


def test_a_delisted_gift_is_restocked_before_it_is_listed_again(api, supplier_staff, supplier, warehouse, logistics, now):
    delisted = gift_in_state("offline", supplier=supplier, at=now)
    body = {"gift": delisted.pk, "location": warehouse.code, "quantity": 6, "expected_on": (timezone.localdate() + timedelta(days=3)).isoformat()}

    response = api(supplier_staff).post("/api/v1/inbound-shipments/", body, format="json", **fresh_key())
    inbound.receive_inbound(inbound=InboundShipment.objects.get(pk=response.json()["id"]), counted_quantity=6, actor=logistics, now=now)

    delisted.refresh_from_db()
    assert response.status_code == 201 and delisted.state == "offline" and stock_of(delisted, warehouse) == (6, 0)


def test_the_announcement_form_offers_a_delisted_gift(supplier, supplier_admin, now):
    gift_in_state("offline", supplier=supplier, sku="OFF-CUP", name="下架保温杯", at=now)

    page = logged_in(supplier_admin).get("/logistics/announce/").content.decode()

    assert "下架保温杯 · OFF-CUP" in page.split('name="gift"', 1)[1].split("</select>", 1)[0]


def refused_field(supplier, gift, location, now, **changes) -> str:
    """The field a refused announcement names; nothing may have been written."""
    with pytest.raises(ValidationFailed) as refused:
        announce(supplier, gift, location, now, **changes)
    assert not InboundShipment.objects.exists()
    return refused.value.field


@pytest.mark.parametrize("quantity", [0, -5, 10_001, "10"])
def test_an_announced_quantity_outside_1_to_10000_is_refused(supplier, warehouse_gift, warehouse, now, quantity):
    assert refused_field(supplier, warehouse_gift, warehouse, now, quantity=quantity) == "quantity"


def test_announcing_to_a_location_that_is_not_a_warehouse_is_refused(supplier, warehouse_gift, now):
    own = Location.objects.create(code="DS-1", name="自有仓", kind="dropship", supplier=supplier)

    assert refused_field(supplier, warehouse_gift, own, now) == "location"


def test_goods_may_be_announced_to_arrive_today_in_shanghai(supplier, warehouse_gift, warehouse):
    late_evening = datetime(2026, 10, 15, 23, 30, tzinfo=SHANGHAI)

    shipment = announce(supplier, warehouse_gift, warehouse, late_evening, expected_on=date(2026, 10, 15))

    assert (shipment.state, shipment.expected_on) == ("announced", date(2026, 10, 15))


def test_an_expected_date_in_the_past_is_refused(supplier, warehouse_gift, warehouse, now):
    yesterday = now.date() - timedelta(days=1)

    assert refused_field(supplier, warehouse_gift, warehouse, now, expected_on=yesterday) == "expected_on"


def test_announcing_against_another_gifts_replenishment_request_is_refused(supplier, warehouse_gift, warehouse, now):
    elsewhere = GiftFactory(supplier=supplier)
    inventory.set_safety_stock(gift=elsewhere, location=warehouse, safety_stock=1, at=now)
    request = ReplenishmentRequest.objects.get(gift=elsewhere)

    assert refused_field(supplier, warehouse_gift, warehouse, now, replenishment_request_id=request.pk) == "replenishment_request"


@pytest.mark.parametrize(("counted", "damaged", "field"), [
    (-1, 0, "counted_quantity"),
    (11, 0, "counted_quantity"),
    (10_000_000, 0, "counted_quantity"),
    (5, -1, "damaged_quantity"),
    (5, 6, "damaged_quantity"),
    (5, "2", "damaged_quantity"),
])
def test_bad_receipts_are_refused_naming_the_field_and_nothing_changes(announced, warehouse_gift, warehouse, logistics, now, counted, damaged, field):
    with pytest.raises(ValidationFailed) as refused:
        inbound.receive_inbound(inbound=announced, counted_quantity=counted, damaged_quantity=damaged, actor=logistics, now=now)

    announced.refresh_from_db()
    assert refused.value.field == field
    assert (announced.state, announced.counted_quantity) == ("announced", None)
    assert stock_of(warehouse_gift, warehouse) == (0, 0)
    assert not ExtraCost.objects.exists() and not Notice.objects.filter(kind="inbound_received").exists()


def test_counting_more_than_announced_is_refused_saying_to_receive_the_announced_units_and_announce_the_rest(
    announced, warehouse_gift, warehouse, logistics, now
):
    with pytest.raises(ValidationFailed) as refused:
        inbound.receive_inbound(inbound=announced, counted_quantity=12, actor=logistics, now=now)

    announced.refresh_from_db()
    assert refused.value.field == "counted_quantity"
    assert "请按 10 件收货" in refused.value.detail and "多出的 2 件另行预报入库" in refused.value.detail
    assert (announced.state, stock_of(warehouse_gift, warehouse)) == ("announced", (0, 0))


def test_the_receipt_form_says_what_to_do_with_units_beyond_the_announcement(announced, logistics):
    response = logged_in(logistics).post(f"/logistics/inbound/{announced.pk}/receive/", {"counted_quantity": 12, "damaged_quantity": 0})

    assert response.status_code == 400
    assert "请按 10 件收货" in field_errors(response)["counted_quantity"]


def test_the_api_says_the_same_of_units_beyond_the_announcement(api, announced, logistics):
    response = api(logistics).post(f"/api/v1/inbound-shipments/{announced.pk}/receive/", {"counted_quantity": 12}, format="json")

    error = response.json()["errors"][0]
    assert response.status_code == 400 and error["attr"] == "counted_quantity" and "请按 10 件收货" in error["detail"]


def test_units_beyond_the_announcement_are_not_taken_in_and_the_supplier_is_asked_to_announce_them(
    announced, warehouse_gift, warehouse, logistics, now, supplier
):
    inbound.receive_inbound(inbound=announced, counted_quantity=10, extra_quantity=3, actor=logistics, now=now)

    notice = Notice.objects.get(supplier=supplier, kind="inbound_over_received")
    assert stock_of(warehouse_gift, warehouse) == (10, 0)
    assert notice.title_text == f"入库单 {announced.number} 到货多于预报"
    assert "预报 10 件，实到 13 件，已按 10 件收货；多出的 3 件未入库，请为其另行预报入库" in notice.body_text
    assert notice.link == "/logistics/announce/" and needs_action(notice.kind)
    assert history_of(announced).last().reason_text == "实收 10/10，破损 0，多到 3 件未入库"


def test_a_note_typed_on_an_over_receipt_keeps_the_extra_units_in_the_history_too(announced, logistics, now):
    inbound.receive_inbound(inbound=announced, counted_quantity=10, extra_quantity=3, actor=logistics, now=now, reason="  多出的放在月台3  ")

    assert history_of(announced).last().reason_text == "实收 10/10，破损 0，多到 3 件未入库：多出的放在月台3"
    with translation.override("en"):
        assert history_of(announced).last().reason_label.endswith(": 多出的放在月台3")


def test_the_over_receipt_notice_reads_in_the_suppliers_language(announced, logistics, now, supplier):
    inbound.receive_inbound(inbound=announced, counted_quantity=10, extra_quantity=3, actor=logistics, now=now)

    with translation.override("en"):
        notice = Notice.objects.get(supplier=supplier, kind="inbound_over_received")
        assert notice.title_label == f"Inbound shipment {announced.number}: more units came than announced"
        assert "10 units announced, 13 came, 10 received; the 3 extra units are not in stock" in notice.body_label


def test_a_receipt_without_extra_units_asks_the_supplier_nothing(announced, logistics, now):
    inbound.receive_inbound(inbound=announced, counted_quantity=10, actor=logistics, now=now)

    assert not Notice.objects.filter(kind="inbound_over_received").exists()


@pytest.mark.parametrize(("counted", "extra"), [(9, 2), (10, -1), (10, "2"), (10, 10_001)])
def test_bad_extra_units_are_refused_naming_them_and_nothing_changes(announced, warehouse_gift, warehouse, logistics, now, counted, extra):
    with pytest.raises(ValidationFailed) as refused:
        inbound.receive_inbound(inbound=announced, counted_quantity=counted, extra_quantity=extra, actor=logistics, now=now)

    announced.refresh_from_db()
    assert refused.value.field == "extra_quantity"
    assert (announced.state, stock_of(warehouse_gift, warehouse)) == ("announced", (0, 0))
    assert not Notice.objects.exists()


def test_the_receipt_form_takes_extra_units_and_tells_the_supplier(announced, logistics, supplier):
    response = logged_in(logistics).post(f"/logistics/inbound/{announced.pk}/receive/",
                                         {"counted_quantity": 10, "damaged_quantity": 0, "extra_quantity": 2})

    announced.refresh_from_db()
    assert response.status_code == 302 and announced.state == "received"
    assert Notice.objects.filter(supplier=supplier, kind="inbound_over_received").count() == 1


def test_the_receipt_form_left_without_extra_units_tells_nothing_more(announced, logistics):
    response = logged_in(logistics).post(f"/logistics/inbound/{announced.pk}/receive/", {"counted_quantity": 10, "damaged_quantity": 0})

    assert response.status_code == 302 and not Notice.objects.filter(kind="inbound_over_received").exists()


def test_the_api_takes_extra_units_and_the_other_supplier_reads_nothing_of_them(api, announced, logistics, other_supplier_admin, supplier):
    response = api(logistics).post(f"/api/v1/inbound-shipments/{announced.pk}/receive/", {"counted_quantity": 10, "extra_quantity": 2},
                                   format="json")
    notice = Notice.objects.get(kind="inbound_over_received")

    assert response.status_code == 200 and notice.supplier == supplier
    assert api(other_supplier_admin).get(f"/api/v1/notices/{notice.pk}/").status_code == 404
    assert api(other_supplier_admin).get(f"/api/v1/inbound-shipments/{announced.pk}/").status_code == 404


def test_the_extra_units_are_kept_on_the_inbound_shipment(announced, logistics, now):
    inbound.receive_inbound(inbound=announced, counted_quantity=10, extra_quantity=3, actor=logistics, now=now)

    announced.refresh_from_db()
    assert (announced.state, announced.counted_quantity, announced.extra_quantity) == ("received", 10, 3)


def test_a_receipt_without_extra_units_or_a_refused_one_keeps_none(announced, logistics, now):
    with pytest.raises(ValidationFailed):
        inbound.receive_inbound(inbound=announced, counted_quantity=9, extra_quantity=2, actor=logistics, now=now)
    announced.refresh_from_db()
    assert (announced.state, announced.extra_quantity) == ("announced", 0)

    inbound.receive_inbound(inbound=announced, counted_quantity=9, actor=logistics, now=now)
    announced.refresh_from_db()
    assert (announced.state, announced.extra_quantity) == ("received", 0)


def test_a_second_receipt_is_refused_and_leaves_the_extra_units_as_first_kept(announced, logistics, now):
    inbound.receive_inbound(inbound=announced, counted_quantity=10, extra_quantity=3, actor=logistics, now=now)

    with pytest.raises(InvalidTransition):
        inbound.receive_inbound(inbound=announced, counted_quantity=10, extra_quantity=5, actor=logistics, now=now)
    announced.refresh_from_db()
    assert announced.extra_quantity == 3


def test_the_api_reads_the_extra_units_to_their_supplier_and_logistics_only(api, announced, logistics, supplier_admin, other_supplier_admin):
    api(logistics).post(f"/api/v1/inbound-shipments/{announced.pk}/receive/", {"counted_quantity": 10, "extra_quantity": 2}, format="json")

    url = f"/api/v1/inbound-shipments/{announced.pk}/"
    assert [api(user).get(url).json()["extra_quantity"] for user in (logistics, supplier_admin)] == [2, 2]
    assert api(other_supplier_admin).get(url).status_code == 404


def test_a_new_announcement_reads_no_extra_units_in_the_api(api, announced, supplier_admin):
    assert api(supplier_admin).get(f"/api/v1/inbound-shipments/{announced.pk}/").json()["extra_quantity"] == 0


def test_the_inbound_pages_show_the_extra_units_and_the_lists_only_where_some_came(supplier, warehouse_gift, warehouse, announced,
                                                                                   logistics, supplier_admin, now):
    plain = announce(supplier, warehouse_gift, warehouse, now)
    inbound.receive_inbound(inbound=announced, counted_quantity=10, extra_quantity=3, actor=logistics, now=now)
    inbound.receive_inbound(inbound=plain, counted_quantity=10, actor=logistics, now=now)

    detail = logged_in(logistics).get(f"/logistics/inbound/{announced.pk}/").content.decode()
    plain_detail = logged_in(logistics).get(f"/logistics/inbound/{plain.pk}/").content.decode()
    assert '<th>多到未入库</th><td data-testid="extra">3</td>' in detail
    assert '<th>多到未入库</th><td data-testid="extra">0</td>' in plain_detail
    for user, url in ((logistics, "/logistics/inbound/"), (supplier_admin, "/logistics/announce/")):
        page = logged_in(user).get(url).content.decode()
        assert re.search(rf'data-number="{announced.number}"(?:(?!</tr>).)*data-testid="extra">3</td>', page, re.S)
        assert re.search(rf'data-number="{plain.number}"(?:(?!</tr>).)*data-testid="extra"></td>', page, re.S)


def test_nothing_arrived_closes_the_announcement_with_the_whole_quantity_short(announced, warehouse_gift, warehouse, logistics, now):
    inbound.receive_inbound(inbound=announced, counted_quantity=0, damaged_quantity=0, actor=logistics, now=now)

    announced.refresh_from_db()
    assert (announced.state, announced.shortage) == ("received", 10)
    assert movements_of(warehouse_gift) == []


def test_announced_inbound_waits_on_the_warehouse_navigation_until_put_away(announced, logistics, operator, supplier_admin, now):
    assert [inbound.inbound_waiting(user) for user in (logistics, operator, supplier_admin)] == [1, 0, 0]
    assert re.search(r'nav-badge-logistics-inbound"[^>]*>1<', logged_in(logistics).get("/").content.decode())

    inbound.receive_inbound(inbound=announced, counted_quantity=10, damaged_quantity=0, actor=logistics, now=now)

    assert inbound.inbound_waiting(logistics) == 1  # received, still to be put away
    assert re.search(r'nav-badge-logistics-inbound"[^>]*>1<', logged_in(logistics).get("/").content.decode())

    inbound.put_away_inbound(inbound=announced, actor=logistics, now=now)

    assert inbound.inbound_waiting(logistics) == 0


def test_a_withdrawn_announcement_waits_for_no_one(announced, supplier_admin, logistics, now):
    inbound.withdraw_inbound(inbound=announced, actor=supplier_admin, now=now, reason="货不来了")

    assert inbound.inbound_waiting(logistics) == 0


# --- goods of a gift retired while they were on their way -------------------------------------------------------------
def retire(gift, operator, now):
    """Listed, delisted and retired by the operator (its leftover lots are made from the stock it has then)."""
    from suppliers.services import catalog

    catalog.publish_gift(gift=gift, actor=operator, now=now)
    catalog.delist_gift(gift=gift, actor=operator, now=now, reason_code="supplier_request", reason="运营下线")
    catalog.retire_gift(gift=gift, actor=operator, now=now, reason="停产")


def test_goods_of_a_gift_retired_on_their_way_are_not_taken_into_stock_and_the_error_names_the_shipment(
    announced, warehouse_gift, warehouse, operator, logistics, now
):
    retire(warehouse_gift, operator, now)

    with pytest.raises(GiftRetiredOnArrival) as refused:
        inbound.receive_inbound(inbound=announced, counted_quantity=10, actor=logistics, now=now)

    assert refused.value.field == "counted_quantity"
    assert announced.number in refused.value.detail and warehouse_gift.sku in refused.value.detail
    announced.refresh_from_db()
    assert (announced.state, stock_of(warehouse_gift, warehouse), movements_of(warehouse_gift)) == ("announced", (0, 0), [])
    assert not Notice.objects.filter(kind="inbound_received").exists()


def test_a_retired_gifts_announcement_is_closed_by_receiving_nothing(announced, warehouse_gift, warehouse, operator, logistics, now):
    retire(warehouse_gift, operator, now)

    inbound.receive_inbound(inbound=announced, counted_quantity=0, actor=logistics, now=now, reason="礼品已退市，退回礼品商")

    announced.refresh_from_db()
    assert (announced.state, announced.shortage, stock_of(warehouse_gift, warehouse)) == ("received", 10, (0, 0))


def test_a_second_announcement_for_a_replenishment_request_on_its_way_is_refused_naming_the_first(supplier, warehouse_gift, warehouse, open_request, now):
    first = announce(supplier, warehouse_gift, warehouse, now, replenishment_request_id=open_request.pk)

    with pytest.raises(ReplenishmentAlreadyAnnounced) as refused:
        announce(supplier, warehouse_gift, warehouse, now, replenishment_request_id=open_request.pk)

    assert refused.value.status == 409 and refused.value.field == "replenishment_request" and first.number in refused.value.detail
    assert list(InboundShipment.objects.values_list("number", flat=True)) == [first.number]


def test_a_withdrawn_announcement_is_cancelled_with_its_reason_and_the_request_may_be_announced_again(
    supplier, supplier_admin, warehouse_gift, warehouse, open_request, now,
):
    first = announce(supplier, warehouse_gift, warehouse, now, replenishment_request_id=open_request.pk)

    inbound.withdraw_inbound(inbound=first, actor=supplier_admin, now=now, reason="工厂停产，改由下周发货")
    again = announce(supplier, warehouse_gift, warehouse, now, replenishment_request_id=open_request.pk)

    first.refresh_from_db()
    assert (first.state, first.cancelled_at) == ("cancelled", now)
    assert [(log.transition, log.reason) for log in history_of(first)][-1] == ("withdraw", "工厂停产，改由下周发货")
    assert again.replenishment_request == open_request and again.state == "announced"


def test_withdrawing_without_a_reason_or_after_receipt_is_refused_and_changes_nothing(announced, supplier_admin, logistics, now):
    with pytest.raises(ValidationFailed) as no_reason:
        inbound.withdraw_inbound(inbound=announced, actor=supplier_admin, now=now, reason=" ")
    inbound.receive_inbound(inbound=announced, counted_quantity=10, actor=logistics, now=now)
    with pytest.raises(InvalidTransition):
        inbound.withdraw_inbound(inbound=announced, actor=supplier_admin, now=now, reason="不来了")

    assert no_reason.value.field == "reason"
    announced.refresh_from_db()
    assert (announced.state, announced.cancelled_at) == ("received", None)


def test_the_admin_shows_a_write_off_note_in_the_readers_language(announced, logistics, now, operator):
    from django.test import Client

    from suppliers.models import StockMovement

    inbound.receive_inbound(inbound=announced, counted_quantity=9, damaged_quantity=1, actor=logistics, now=now)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(operator)
    movement = StockMovement.objects.get(kind="write_off")

    page = client.get(f"/admin/suppliers/stockmovement/{movement.pk}/change/").content.decode()

    assert f"Damaged on arrival {announced.number}" in page and "%(" not in page


def test_the_damage_write_off_and_the_receipt_read_in_the_suppliers_language(announced, logistics, now, supplier_admin):
    from rest_framework.test import APIClient

    inbound.receive_inbound(inbound=announced, counted_quantity=9, damaged_quantity=1, actor=logistics, now=now)
    client = APIClient()
    client.force_authenticate(supplier_admin)

    def written_off(language: str) -> tuple[str, str]:
        movements = client.get("/api/v1/stock-movements/", HTTP_ACCEPT_LANGUAGE=language).json()["results"]
        return next((m["note"], m["note_label"]) for m in movements if m["kind"] == "write_off")

    assert written_off("en") == (f"到货破损 {announced.number}", f"Damaged on arrival {announced.number}")
    assert written_off("zh-hans") == (f"到货破损 {announced.number}",) * 2
    receipt = [entry for entry in history_of(announced) if entry.transition == "receive"][0]
    with translation.override("en"):
        assert receipt.reason_label == "Received 9/10, short 1, damaged 1"

    fee = client.get("/api/v1/extra-costs/", HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]
    assert fee["description"] == f"到货破损 1 件 × ¥1.50（{announced.number}）"  # as statements copy it
    assert fee["description_label"] == f"1 damaged on arrival × ¥1.50 ({announced.number})"


def test_a_put_away_keeps_its_shelf_location_and_note_in_the_history(announced, logistics, now):
    inbound.receive_inbound(inbound=announced, counted_quantity=10, damaged_quantity=0, actor=logistics, now=now)

    inbound.put_away_inbound(inbound=announced, actor=logistics, now=now, shelf=" A-03-2 ", reason="第二层")

    assert list(history_of(announced))[-1].reason_text == "货位 A-03-2：第二层"
    with translation.override("en"):
        assert list(history_of(announced))[-1].reason_label == "Shelf A-03-2: 第二层"


def test_a_shelf_location_too_long_is_refused_naming_it_and_nothing_is_put_away(announced, logistics, now):
    inbound.receive_inbound(inbound=announced, counted_quantity=10, damaged_quantity=0, actor=logistics, now=now)

    with pytest.raises(ValidationFailed) as refused:
        inbound.put_away_inbound(inbound=announced, actor=logistics, now=now, shelf="A" * 41)

    assert refused.value.field == "shelf"
    announced.refresh_from_db()
    assert announced.state == "received"
