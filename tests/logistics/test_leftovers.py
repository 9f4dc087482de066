"""Leftover gifts (SPEC §4.8): lots from the GiftRetired event only, storage fees once per lot and day, and the
three ways a lot ends (collected, disposed, moved to clearance with its gift)."""
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import translation

from core.errors import InvalidTransition, ValidationFailed
from core.events import publish
from core.fsm import history_of
from core.models import Notification
from logistics.errors import DisposalTooEarly
from logistics.models import ExtraCost, LeftoverLot, Shipment, Tariff
from logistics.services import costs, leftovers, shipments
from points.services import orders
from suppliers.events import GiftRetired
from suppliers.models import Gift, Location, Notice, StockMovement, StockRecord
from suppliers.services import catalog, inventory, onboarding
from tests.factories import ADDRESS, SHANGHAI, GiftFactory
from tests.helpers import picked_and_shipped, published
from tests.logistics.leftover_world import DEADLINE, RETIRED_ON, at_0010, offline_gift

pytestmark = pytest.mark.django_db
AFTER_DEADLINE = at_0010(DEADLINE + timedelta(days=1)).replace(hour=9)

def stock_of(gift: Gift, location: Location) -> tuple[int, int]:
    record = StockRecord.objects.get(gift=gift, location=location)
    return record.on_hand, record.reserved


# --- lots from the event ---------------------------------------------------------------------------------------
def test_retiring_a_gift_makes_one_open_lot_per_warehouse_holding_unreserved_units(offline_stocked_gift, operator, warehouses):
    catalog.retire_gift(gift=offline_stocked_gift, actor=operator, now=RETIRED_ON, reason="停产")

    rows = LeftoverLot.objects.order_by("location__code").values_list("location__code", "quantity", "state", "collect_by", "supplier_id")
    assert list(rows) == [("WH-A", 5, "open", DEADLINE, offline_stocked_gift.supplier_id), ("WH-B", 3, "open", DEADLINE, offline_stocked_gift.supplier_id)]


def test_the_supplier_is_told_once_which_lots_to_collect_by_when(offline_stocked_gift, operator):
    catalog.retire_gift(gift=offline_stocked_gift, actor=operator, now=RETIRED_ON, reason="停产")

    notice = Notice.objects.get(supplier=offline_stocked_gift.supplier, kind="leftover_lots")
    assert "（华东A仓 5 件、华南B仓 3 件）" in notice.body_text and "2026-11-14" in notice.body_text
    assert notice.link == "/logistics/leftovers/"
    with translation.override("en"):
        assert "(5 at 华东A仓, 3 at 华南B仓)" in notice.body_label  # the places in the reader's language, names as typed
    assert Notification.objects.get(kind="supplier_notice", subject_id=str(notice.pk)).body.endswith(notice.title_text)


@pytest.mark.parametrize(
    ("retired_at", "deadline"),
    [(datetime(2026, 10, 15, 23, 59, tzinfo=SHANGHAI), "2026-11-14"), (datetime(2026, 10, 16, 0, 1, tzinfo=SHANGHAI), "2026-11-15")],
    ids=["late-evening", "just-after-midnight"],
)
def test_the_deadline_is_thirty_days_after_the_retirement_date_in_shanghai(offline_stocked_gift, operator, retired_at, deadline):
    catalog.retire_gift(gift=offline_stocked_gift, actor=operator, now=retired_at.astimezone(UTC), reason="停产")

    assert {str(day) for day in LeftoverLot.objects.values_list("collect_by", flat=True)} == {deadline}


def test_a_gift_cannot_be_retired_twice_so_its_lots_are_made_once(lots, offline_stocked_gift, operator):
    with pytest.raises(InvalidTransition):
        catalog.retire_gift(gift=offline_stocked_gift, actor=operator, now=RETIRED_ON + timedelta(days=1), reason="停产")

    assert LeftoverLot.objects.count() == 2


def test_a_repeated_gift_retired_event_makes_no_second_lot_and_no_second_notice(lots, offline_stocked_gift):
    with transaction.atomic():
        publish(GiftRetired(gift_id=offline_stocked_gift.pk, at=RETIRED_ON + timedelta(days=2)))

    assert LeftoverLot.objects.count() == 2
    assert set(LeftoverLot.objects.values_list("collect_by", flat=True)) == {DEADLINE}
    assert Notice.objects.filter(kind="leftover_lots").count() == 1


def test_a_retired_gift_with_no_warehouse_stock_makes_no_lot_and_no_notice(operator):
    gift = offline_gift(operator, RETIRED_ON)

    catalog.retire_gift(gift=gift, actor=operator, now=RETIRED_ON, reason="停产")

    assert not LeftoverLot.objects.exists() and not Notice.objects.filter(kind="leftover_lots").exists()


def test_terminating_a_supplier_turns_every_gifts_warehouse_stock_into_lots(operator, warehouses):
    a, b, _ = warehouses
    online = GiftFactory()
    supplier = online.supplier
    published(online, actor=operator, at=RETIRED_ON)
    draft = GiftFactory(supplier=supplier)
    inventory.receive_stock(gift=online, location=a, quantity=6, at=RETIRED_ON)
    inventory.receive_stock(gift=draft, location=b, quantity=2, at=RETIRED_ON)

    onboarding.terminate_supplier(supplier=supplier, actor=operator, now=RETIRED_ON, reason="合作终止")

    rows = LeftoverLot.objects.order_by("gift_id").values_list("gift_id", "location_id", "quantity", "supplier_id")
    assert list(rows) == [(online.pk, a.pk, 6, supplier.pk), (draft.pk, b.pk, 2, supplier.pk)]


# --- storage fees ----------------------------------------------------------------------------------------------
def storage_fees():
    return list(ExtraCost.objects.filter(kind="storage").order_by("lot_id", "fee_date").values_list("lot_id", "fee_date", "amount", "payer"))


def test_no_storage_fee_is_charged_on_the_deadline_day(lots):
    charged = leftovers.charge_storage_fees(now=at_0010(DEADLINE))

    assert charged == [] and storage_fees() == []


def test_the_day_after_the_deadline_each_open_lot_is_charged_the_tariff_once_even_if_the_run_repeats(lots):
    day = DEADLINE + timedelta(days=1)

    first = leftovers.charge_storage_fees(now=at_0010(day))
    second = leftovers.charge_storage_fees(now=at_0010(day).replace(hour=9))

    a, b = lots
    assert (len(first), second) == (2, [])
    assert storage_fees() == [(a.pk, day, Decimal("2.00"), "supplier"), (b.pk, day, Decimal("2.00"), "supplier")]
    assert set(ExtraCost.objects.values_list("supplier_id", flat=True)) == {a.supplier_id}


def test_days_a_run_missed_are_each_charged_once_by_the_next_run(lot):
    leftovers.charge_storage_fees(now=at_0010(DEADLINE + timedelta(days=1)))

    leftovers.charge_storage_fees(now=at_0010(DEADLINE + timedelta(days=4)))
    leftovers.charge_storage_fees(now=at_0010(DEADLINE + timedelta(days=4)))

    charged_days = [day for lot_id, day, *_ in storage_fees() if lot_id == lot.pk]
    assert charged_days == [DEADLINE + timedelta(days=n) for n in (1, 2, 3, 4)]


def test_a_day_charged_late_keeps_the_price_in_force_at_0010_on_that_day(lot, operator):
    """The tariff is raised on day 3 at 09:00, after its 00:10 run; the runs of days 2 and 3 were missed: the next run
    charges day 2 and day 3 at the old price (as their runs would have) and day 4 at the new one."""
    storage = Tariff.objects.get(kind="storage")
    old, new = storage.amount, storage.amount + Decimal("0.50")
    leftovers.charge_storage_fees(now=at_0010(DEADLINE + timedelta(days=1)))
    costs.update_tariff(reason="按合同调整", tariff=storage, amount=new, actor=operator, now=at_0010(DEADLINE + timedelta(days=3)).replace(hour=9))

    late = leftovers.charge_storage_fees(now=at_0010(DEADLINE + timedelta(days=4)))

    assert [(fee.fee_date, fee.amount) for fee in late if fee.lot_id == lot.pk] == [
        (DEADLINE + timedelta(days=2), old), (DEADLINE + timedelta(days=3), old), (DEADLINE + timedelta(days=4), new)]


def test_a_day_charged_late_is_booked_at_0010_on_that_day_and_its_history_says_when_the_run_recorded_it(lot):
    leftovers.charge_storage_fees(now=at_0010(date(2026, 11, 29)))

    leftovers.charge_storage_fees(now=at_0010(date(2026, 12, 1)))  # the run of 30 November was missed

    fees = ExtraCost.objects.filter(lot=lot, kind="storage", fee_date__gte=date(2026, 11, 30)).order_by("fee_date")
    assert [(fee.fee_date, fee.recorded_at) for fee in fees] == [
        (date(2026, 11, 30), at_0010(date(2026, 11, 30))), (date(2026, 12, 1), at_0010(date(2026, 12, 1)))]
    assert [log.at for log in history_of(fees[0])] == [at_0010(date(2026, 12, 1))]


def test_closing_a_lot_after_the_days_price_rise_charges_the_day_at_its_0010_price(lot, operator, logistics):
    storage = Tariff.objects.get(kind="storage")
    old, day = storage.amount, DEADLINE + timedelta(days=1)
    costs.update_tariff(reason="按合同调整", tariff=storage, amount=old * 2, actor=operator, now=at_0010(day).replace(hour=8))

    leftovers.collect_lot(lot=lot, actor=logistics, now=at_0010(day).replace(hour=15))

    assert [row[1:3] for row in storage_fees() if row[0] == lot.pk] == [(day, old)]


def test_a_closed_lot_accrues_no_more_storage_fees(lot, logistics):
    leftovers.collect_lot(lot=lot, actor=logistics, now=at_0010(DEADLINE))

    leftovers.charge_storage_fees(now=at_0010(DEADLINE + timedelta(days=5)))

    assert [row for row in storage_fees() if row[0] == lot.pk] == []


def test_closing_an_overdue_lot_first_charges_the_days_no_run_recorded(lot, logistics):
    leftovers.collect_lot(lot=lot, actor=logistics, now=at_0010(DEADLINE + timedelta(days=2)).replace(hour=15))

    assert [day for lot_id, day, *_ in storage_fees() if lot_id == lot.pk] == [DEADLINE + timedelta(days=1), DEADLINE + timedelta(days=2)]


# --- how a lot ends --------------------------------------------------------------------------------------------
def test_collection_closes_the_lot_and_takes_its_units_out_of_stock_as_a_collection(lot, logistics, offline_stocked_gift, now):
    leftovers.collect_lot(lot=lot, actor=logistics, now=now, reason="礼品商自提")

    lot.refresh_from_db()
    assert (lot.state, lot.closed_at) == ("collected", now)
    assert stock_of(offline_stocked_gift, lot.location) == (0, 0)
    movement = StockMovement.objects.get(kind="collection")
    assert (movement.on_hand_delta, movement.source_type, movement.source_id) == (-5, "leftover_lot", str(lot.pk))
    assert [(log.transition, log.actor_id, log.reason) for log in history_of(lot)] == [
        ("record", None, "礼品退市，剩余库存待取回"), ("collect", logistics.pk, "礼品商自提")]


def test_disposal_writes_the_units_off_and_charges_the_supplier_the_disposal_tariff(lot, logistics, offline_stocked_gift):
    leftovers.dispose_lot(lot=lot, actor=logistics, now=AFTER_DEADLINE, reason="礼品商逾期未取回")

    lot.refresh_from_db()
    assert lot.state == "disposed" and stock_of(offline_stocked_gift, lot.location) == (0, 0)
    assert StockMovement.objects.get(kind="write_off").on_hand_delta == -5
    cost = ExtraCost.objects.get(kind="disposal")
    assert (cost.lot_id, cost.amount, cost.payer, cost.supplier_id, cost.recorded_by_id) == (
        lot.pk, Decimal("20.00"), "supplier", lot.supplier_id, logistics.pk
    )
    assert [(log.transition, log.reason) for log in history_of(lot)] == [("record", "礼品退市，剩余库存待取回"), ("dispose", "礼品商逾期未取回")]


def test_a_disposal_tells_the_supplier_what_was_destroyed_why_and_the_fee_it_bears(lot, logistics, offline_stocked_gift):
    leftovers.dispose_lot(lot=lot, actor=logistics, now=AFTER_DEADLINE, reason="礼品商逾期未取回")

    notice = Notice.objects.get(supplier=lot.supplier, title="遗留礼品已销毁处置：%(gift)s")
    assert notice.body_text == f"{lot.location.name} 的 5 件逾期未取回，已销毁处置，处置费 ¥20.00 由贵司承担。原因：礼品商逾期未取回"
    assert notice.link == f"/logistics/leftovers/{lot.pk}/"
    assert Notification.objects.filter(kind="supplier_notice", subject_id=str(notice.pk)).count() == 1


def test_a_collection_the_supplier_made_itself_tells_it_nothing(lot, logistics, now):
    told = Notice.objects.count()
    leftovers.collect_lot(lot=lot, actor=logistics, now=now, reason="礼品商自提")

    assert Notice.objects.count() == told


@pytest.mark.parametrize("day", [RETIRED_ON, at_0010(DEADLINE).replace(hour=23, minute=59)], ids=["retirement-day", "deadline-evening"])
def test_a_lot_cannot_be_disposed_of_while_the_supplier_may_still_collect_it_and_nothing_changes(lot, logistics, offline_stocked_gift, day):
    with pytest.raises(DisposalTooEarly) as refused:
        leftovers.dispose_lot(lot=lot, actor=logistics, now=day, reason="占用库位")

    assert refused.value.field == "collect_by" and "2026-11-14" in refused.value.detail
    lot.refresh_from_db()
    assert (lot.state, stock_of(offline_stocked_gift, lot.location), ExtraCost.objects.count()) == ("open", (5, 0), 0)


@pytest.mark.parametrize(
    ("day", "allowed"),
    [(at_0010(DEADLINE).replace(hour=23, minute=59), False), (at_0010(DEADLINE + timedelta(days=1)).replace(hour=0, minute=0), True)],
    ids=["deadline-evening", "next-midnight"],
)
def test_a_lot_may_be_disposed_of_from_the_day_after_its_deadline(lot, day, allowed):
    assert lot.past_deadline_from == DEADLINE + timedelta(days=1)
    assert leftovers.may_dispose(lot=lot, now=day) is allowed


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_disposal_needs_a_reason_and_nothing_changes_without_one(lot, logistics, offline_stocked_gift, reason):
    with pytest.raises(ValidationFailed) as refused:
        leftovers.dispose_lot(lot=lot, actor=logistics, now=AFTER_DEADLINE, reason=reason)

    assert refused.value.field == "reason"
    lot.refresh_from_db()
    assert (lot.state, stock_of(offline_stocked_gift, lot.location), ExtraCost.objects.count()) == ("open", (5, 0), 0)


def test_clearance_moves_the_retired_gift_and_all_its_open_lots_to_clearance_keeping_the_stock(lots, operator, offline_stocked_gift, now):
    a, b = lots

    leftovers.clear_leftovers(lot=b, actor=operator, now=now, points_price=600, settlement_price=Decimal("60.00"), reason="清仓")

    offline_stocked_gift.refresh_from_db()
    assert (offline_stocked_gift.state, offline_stocked_gift.clearance_points_price, offline_stocked_gift.clearance_settlement_price) == (
        "clearance", 600, Decimal("60.00")
    )
    assert set(LeftoverLot.objects.values_list("state", flat=True)) == {"clearance"}
    assert (stock_of(offline_stocked_gift, a.location), stock_of(offline_stocked_gift, b.location)) == ((5, 0), (3, 0))
    assert history_of(offline_stocked_gift).last().transition == "clear_leftovers"


def test_clearance_without_a_reason_names_the_lot_in_the_readers_language(lots, operator, offline_stocked_gift, now):
    leftovers.clear_leftovers(lot=lots[1], actor=operator, now=now, points_price=600, settlement_price=Decimal("60.00"))

    cleared = history_of(offline_stocked_gift).last()
    assert cleared.reason_text == f"遗留礼品转清仓（批次 {lots[1].pk}）"
    with translation.override("en"):
        assert cleared.reason_label == f"Leftover goods moved to clearance (lot {lots[1].pk})"


def test_clearance_is_refused_for_a_gift_that_is_not_retired_and_changes_nothing(operator, warehouses, now):
    gift = offline_gift(operator, now)
    stray = LeftoverLot.objects.create(
        supplier=gift.supplier, gift=gift, location=warehouses[0], quantity=1, created_at=now, collect_by=DEADLINE
    )

    with pytest.raises(InvalidTransition):
        leftovers.clear_leftovers(lot=stray, actor=operator, now=now, points_price=600, settlement_price=Decimal("60.00"))

    stray.refresh_from_db()
    gift.refresh_from_db()
    assert (stray.state, gift.state, gift.clearance_points_price) == ("open", "offline", None)


def test_collecting_a_retired_gifts_lot_asks_the_supplier_for_no_replenishment(offline_stocked_gift, operator, logistics, warehouses, now):
    inventory.set_safety_stock(gift=offline_stocked_gift, location=warehouses[0], safety_stock=2, at=now)
    catalog.retire_gift(gift=offline_stocked_gift, actor=operator, now=now, reason="停产")

    leftovers.collect_lot(lot=LeftoverLot.objects.get(location=warehouses[0]), actor=logistics, now=now)

    assert not Notice.objects.filter(kind="replenishment").exists()


def test_a_retired_gift_on_clearance_is_retired_again_by_the_system_when_its_last_unit_ships(operator, logistics, rich_member, warehouses, now):
    gift = offline_gift(operator, RETIRED_ON)
    inventory.receive_stock(gift=gift, location=warehouses[0], quantity=2, at=RETIRED_ON)
    catalog.retire_gift(gift=gift, actor=operator, now=RETIRED_ON, reason="停产")
    leftovers.clear_leftovers(lot=LeftoverLot.objects.get(), actor=operator, now=now, points_price=600, settlement_price=Decimal("60.00"))
    orders.place_order(member=rich_member, gift_id=gift.pk, quantity=2, now=now, **ADDRESS)
    shipments.hand_over_warehouse_orders(key="B-LAST", actor=logistics, now=now)

    picked_and_shipped(shipment=Shipment.objects.get(), actor=logistics, now=now, carrier="顺丰", tracking_number="SF2001")

    gift.refresh_from_db()
    retired = history_of(gift).last()
    assert (gift.state, retired.transition, retired.actor, retired.reason_text) == ("retired", "retire", None, "清仓库存已清空，系统自动退市")
    assert list(LeftoverLot.objects.values_list("state", flat=True)) == ["clearance"]  # nothing left, so no new lot
    assert Notice.objects.filter(kind="leftover_lots").count() == 1


CLOSE = {
    "collect": lambda lot, staff, now: leftovers.collect_lot(lot=lot, actor=staff["logistics"], now=now),
    "dispose": lambda lot, staff, now: leftovers.dispose_lot(lot=lot, actor=staff["logistics"], now=now, reason="逾期未取回"),
    "clearance": lambda lot, staff, now: leftovers.clear_leftovers(
        lot=lot, actor=staff["operator"], now=now, points_price=1, settlement_price=Decimal("1")
    ),
}


@pytest.mark.parametrize("first", list(CLOSE))
@pytest.mark.parametrize("then", list(CLOSE))
def test_a_closed_lot_cannot_be_closed_again_and_nothing_changes(lot, operator, logistics, offline_stocked_gift, first, then):
    staff = {"operator": operator, "logistics": logistics}
    CLOSE[first](lot, staff, AFTER_DEADLINE)
    lot.refresh_from_db()
    before = (lot.state, stock_of(offline_stocked_gift, lot.location), ExtraCost.objects.count(), StockMovement.objects.count())

    with pytest.raises(InvalidTransition):
        CLOSE[then](lot, staff, AFTER_DEADLINE + timedelta(days=60))

    lot.refresh_from_db()
    assert (lot.state, stock_of(offline_stocked_gift, lot.location), ExtraCost.objects.count(), StockMovement.objects.count()) == before


def test_the_lot_page_reads_in_english_without_chinese_punctuation(lot, operator):
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(operator)
    page = client.get(f"/logistics/leftovers/{lot.pk}/").content.decode()

    fee = page.split('data-testid="fee-amount">')[1].split("</td>")[0]
    assert "(storage for" in fee and "（" not in fee and "天" not in fee


def test_the_lot_pages_mark_an_open_lot_overdue_from_the_day_after_its_deadline(lot, logistics, time_machine):
    from tests.portal import logged_in

    client = logged_in(logistics)

    def badged() -> tuple[bool, bool]:
        pages = (client.get("/logistics/leftovers/"), client.get(f"/logistics/leftovers/{lot.pk}/"))
        return tuple('data-testid="overdue"' in page.content.decode() for page in pages)

    time_machine.move_to(at_0010(DEADLINE).replace(hour=23, minute=59), tick=False)
    on_the_last_day = badged()
    time_machine.move_to(AFTER_DEADLINE, tick=False)
    the_day_after = badged()

    assert (on_the_last_day, the_day_after) == ((False, False), (True, True))


def test_the_lot_page_strikes_a_voided_fee_through_with_its_reason_and_its_total_counts_only_the_others(lot, logistics, operator):
    from tests.portal import logged_in

    leftovers.charge_storage_fees(now=at_0010(DEADLINE + timedelta(days=2)))
    kept, voided = ExtraCost.objects.filter(lot=lot).order_by("fee_date")
    costs.void_extra_cost(cost=voided, actor=logistics, now=AFTER_DEADLINE + timedelta(days=1), reason="重复计费")

    page = logged_in(operator).get(f"/logistics/leftovers/{lot.pk}/").content.decode()

    voided_row = page.split(f'data-cost="{voided.pk}"')[1].split("</tr>")[0]
    kept_row = page.split(f'data-cost="{kept.pk}"')[1].split("</tr>")[0]
    assert "<s>" in voided_row and 'data-testid="voided"' in voided_row and "重复计费" in voided_row
    assert "<s>" not in kept_row and 'data-testid="voided"' not in kept_row
    assert page.split('data-testid="fee-amount">')[1].startswith("¥2.00")
