"""An exchange whose order's location has no unit to replace the returned one (SPEC §4.7 `inspected → refunded |
exchanged | refused`): the inspection is refused saying the points may be refunded instead, and the inspector who
chooses so resolves the return as a refund, its history saying why, so the member gets the points back instead of
waiting for goods that cannot come."""
import pytest

from core.fsm import history_of
from logistics.models import ReturnRequest, Shipment
from logistics.services import returns
from points.models import LedgerEntry, PointsAccount, RedemptionOrder
from suppliers.errors import OutOfStock
from suppliers.models import StockMovement, StockRecord
from suppliers.services import inventory
from tests.logistics.builders import received
from tests.portal import field_errors, logged_in

pytestmark = pytest.mark.django_db
UNIT_POINTS = 1500


@pytest.fixture
def sold_out(delivered_order, now):
    """The order's warehouse holds no unit of the gift any more: the 8 left after the delivery were written off."""
    inventory.write_off_stock(gift=delivered_order.gift, location=delivered_order.location, quantity=8, at=now)


def balance(order) -> int:
    return PointsAccount.objects.get(member=order.member).balance


def test_an_exchange_without_a_unit_is_refused_naming_the_refund_choice_and_changes_nothing(exchange, sold_out, logistics, now):
    before = balance(exchange.order)

    with pytest.raises(OutOfStock) as refused:
        returns.inspect_return(return_request=exchange, actor=logistics, now=now, outcome="defective")

    assert refused.value.field == "refund_if_no_replacement" and "改为退积分" in str(refused.value.detail)
    assert (ReturnRequest.objects.get().state, balance(exchange.order)) == ("received", before)


def test_an_exchange_without_a_unit_is_refunded_when_the_inspector_chooses_so(exchange, sold_out, logistics, now):
    order = exchange.order
    before = balance(order)

    returns.inspect_return(return_request=exchange, actor=logistics, now=now, outcome="defective", reason="无法开机",
                           refund_if_no_replacement=True)

    exchange.refresh_from_db()
    steps = [(log.transition, log.reason_text) for log in history_of(exchange)][-2:]
    assert (exchange.state, exchange.refunded_instead_of_exchange) == ("refunded", True)
    assert steps == [("inspect", "无法开机"), ("refund", "无可换货库存，改为退积分")]
    assert balance(order) == before + UNIT_POINTS
    assert RedemptionOrder.objects.get(pk=order.pk).returned_quantity == 1
    assert not Shipment.objects.filter(replacement_for__isnull=False).exists()
    assert StockRecord.objects.get(gift=order.gift, location=order.location).on_hand == 0  # the defective unit written off


def test_an_exchange_with_a_unit_is_exchanged_whatever_the_choice(exchange, logistics, now):
    returns.inspect_return(return_request=exchange, actor=logistics, now=now, outcome="defective", refund_if_no_replacement=True)

    assert ReturnRequest.objects.get().state == "exchanged"
    assert Shipment.objects.filter(replacement_for=exchange).count() == 1


def test_the_inspection_page_shows_the_refusal_next_to_the_choice_and_refunds_once_chosen(exchange, sold_out, logistics):
    client = logged_in(logistics)
    url = f"/logistics/returns/{exchange.pk}/inspect/"

    refused = client.post(url, {"outcome": "defective", "reason": "无法开机"})
    chosen = client.post(url, {"outcome": "defective", "reason": "无法开机", "refund_if_no_replacement": "on"})

    assert refused.status_code == 409 and "改为退积分" in field_errors(refused)["refund_if_no_replacement"]
    assert chosen.status_code == 302 and ReturnRequest.objects.get().state == "refunded"


def test_the_inspection_form_offers_the_refund_choice_on_an_exchange_only(delivered_order, operator, logistics, now):
    client = logged_in(logistics)
    refund = received(delivered_order, operator=operator, handler=logistics, now=now, reason="defective", remedy="refund")

    refund_page = client.get(f"/logistics/returns/{refund.pk}/")
    inspected = client.post(f"/logistics/returns/{refund.pk}/inspect/", {"outcome": "defective", "reason": "无法开机"})
    exchange = received(delivered_order, operator=operator, handler=logistics, now=now, reason="defective", remedy="exchange")
    exchange_page = client.get(f"/logistics/returns/{exchange.pk}/")

    assert 'action="/logistics/returns/%s/inspect/"' % refund.pk in refund_page.content.decode()
    assert "refund_if_no_replacement" not in refund_page.content.decode()
    assert inspected.status_code == 302 and ReturnRequest.objects.get(pk=refund.pk).state == "refunded"
    assert 'name="refund_if_no_replacement"' in exchange_page.content.decode()


def test_the_api_refuses_naming_the_choice_and_refunds_once_chosen(api, exchange, sold_out, logistics):
    client = api(logistics)
    url = f"/api/v1/returns/{exchange.pk}/inspect/"

    refused = client.post(url, {"outcome": "defective"}, format="json")
    chosen = client.post(url, {"outcome": "defective", "refund_if_no_replacement": True}, format="json")

    error = refused.json()["errors"][0]
    assert (refused.status_code, error["code"], error["attr"]) == (409, "out_of_stock", "refund_if_no_replacement")
    assert (chosen.status_code, chosen.json()["state"]) == (200, "refunded")


def test_an_exchange_whose_last_units_another_order_reserves_during_the_inspection_is_refunded_when_chosen(
        exchange, logistics, now, monkeypatch):
    order = exchange.order
    before = balance(order)
    move_stock = returns._move_stock

    def move_stock_while_another_order_reserves_the_rest(return_request, order, effect, **kwargs):
        move_stock(return_request, order, effect, **kwargs)
        record = StockRecord.objects.get(gift=order.gift, location=order.location)
        if record.available:
            inventory.reserve_stock(gift=order.gift, location=order.location, quantity=record.available, at=now)

    monkeypatch.setattr(returns, "_move_stock", move_stock_while_another_order_reserves_the_rest)

    returns.inspect_return(return_request=exchange, actor=logistics, now=now, outcome="defective", refund_if_no_replacement=True)

    assert ReturnRequest.objects.get().state == "refunded" and balance(order) == before + UNIT_POINTS
    assert not Shipment.objects.filter(replacement_for__isnull=False).exists()
    assert StockRecord.objects.get(gift=order.gift, location=order.location).reserved == 8  # the other order's, untouched


@pytest.mark.parametrize("refund_if_no_replacement", [True, False], ids=["refund chosen", "refund not chosen"])
def test_a_failure_moving_the_returned_unit_is_no_missing_replacement_and_nothing_is_refunded_nor_written(
    exchange, logistics, now, monkeypatch, refund_if_no_replacement
):
    order = exchange.order
    before = (balance(order), LedgerEntry.objects.count(), StockMovement.objects.count(), len(history_of(exchange)))
    stock_before = StockRecord.objects.values_list("on_hand", "reserved").get(gift=order.gift, location=order.location)
    write_off = inventory.write_off_stock
    calls = []

    def fails_once(**kwargs):  # the defective unit's write-off fails (not expected) the first time only
        calls.append(kwargs)
        if len(calls) == 1:
            raise OutOfStock("the returned unit's write-off failed", field="quantity")
        return write_off(**kwargs)

    monkeypatch.setattr(inventory, "write_off_stock", fails_once)

    with pytest.raises(OutOfStock) as failed:
        returns.inspect_return(return_request=exchange, actor=logistics, now=now, outcome="defective",
                               refund_if_no_replacement=refund_if_no_replacement)

    assert (failed.value.detail, failed.value.field) == ("the returned unit's write-off failed", "quantity")
    exchange.refresh_from_db()
    assert (exchange.state, exchange.refund_entry_id) == ("received", None)
    assert (balance(order), LedgerEntry.objects.count(), StockMovement.objects.count(), len(history_of(exchange))) == before
    assert StockRecord.objects.values_list("on_hand", "reserved").get(gift=order.gift, location=order.location) == stock_before
    assert RedemptionOrder.objects.get(pk=order.pk).returned_quantity == 0
    assert not Shipment.objects.filter(replacement_for__isnull=False).exists()
