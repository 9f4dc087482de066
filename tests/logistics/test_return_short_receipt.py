"""A return received short (SPEC §4.7): the receiver states how many units arrived; the return then resolves for those
units only (points, the statement's netting line, stock, a claim, a replacement), the member is told, and the units that
never came stay returnable.

The delivered orders (two units, 1500 points and ¥180.00 each) are fixtures of tests/logistics/conftest.py.
"""
from datetime import date, timedelta
from decimal import Decimal

import pytest

from core.errors import InvalidTransition, ValidationFailed
from core.fsm import history_of
from core.models import Notification, TransitionLog
from logistics.models import LogisticsClaim, ReturnRequest, Shipment
from logistics.services import returns
from points.models import PointsAccount, RedemptionOrder
from settlement.models import StatementLine
from settlement.services import generation, kpis
from suppliers.models import StockMovement
from tests.factories import FIXED_NOW, SupplierUserFactory
from tests.logistics.builders import request
from tests.portal import field_errors, logged_in

pytestmark = pytest.mark.django_db
UNIT_POINTS = 1500
UNIT_PRICE = Decimal("180.00")


def approved(order, *, operator, now, **kwargs) -> ReturnRequest:
    """A return of both units of the order, approved."""
    return_request = request(order, now=now, quantity=2, **kwargs)
    return returns.approve_return(return_request=return_request, actor=operator, now=now)


def received_one(order, *, operator, handler, now, **kwargs) -> ReturnRequest:
    """A return of both units of which only one arrived."""
    return_request = approved(order, operator=operator, now=now, **kwargs)
    return returns.receive_return(return_request=return_request, actor=handler, now=now, received_quantity=1, reason="会员只寄回 1 件")


def balance(member) -> int:
    return PointsAccount.objects.get(member=member).balance


def movements(return_request) -> list[tuple[str, int, int]]:
    rows = StockMovement.objects.filter(source_type="return", source_id=return_request.number).order_by("id")
    return list(rows.values_list("kind", "on_hand_delta", "reserved_delta"))


def receipts() -> int:
    return TransitionLog.objects.filter(transition="receive").count()


# --- the service -----------------------------------------------------------------------------------------------------

def test_a_return_received_short_refunds_nets_off_and_restocks_only_the_units_that_arrived(delivered_order, operator, logistics, now):
    points_before = balance(delivered_order.member)
    return_request = received_one(delivered_order, operator=operator, handler=logistics, now=now)

    returns.inspect_return(return_request=return_request, actor=logistics, now=now, outcome="resellable")

    return_request.refresh_from_db()
    assert (return_request.state, return_request.quantity, return_request.received_quantity) == ("refunded", 2, 1)
    assert return_request.settlement_amount == -UNIT_PRICE
    assert balance(delivered_order.member) == points_before + UNIT_POINTS
    assert return_request.refund_entry.points == UNIT_POINTS
    assert movements(return_request) == [("return_to_stock", 1, 0)]
    order = RedemptionOrder.objects.get()
    assert (order.state, order.returned_quantity) == ("delivered", 1)


def test_the_statement_nets_off_the_received_units_only(delivered_order, operator, logistics, finance, now):
    return_request = received_one(delivered_order, operator=operator, handler=logistics, now=now)
    returns.inspect_return(return_request=return_request, actor=logistics, now=now, outcome="defective")

    generation.generate_now(month=date(2026, 10, 1), actor=finance, now=now + timedelta(days=20))

    line = StatementLine.objects.get(source_kind="return", source_id=return_request.pk)
    assert (line.quantity, line.amount) == (-1, -UNIT_PRICE)


def test_the_defect_rate_counts_the_defective_units_received(delivered_order, operator, logistics, now):
    return_request = received_one(delivered_order, operator=operator, handler=logistics, now=now, reason="defective")

    returns.inspect_return(return_request=return_request, actor=logistics, now=now, outcome="defective")

    assert kpis.count_defect_rate(kpis.Window.of(date(2026, 10, 1)))[delivered_order.supplier_id] == (1, 2)


def test_transit_damage_received_short_claims_the_received_units_only(delivered_order, operator, logistics, now):
    return_request = received_one(delivered_order, operator=operator, handler=logistics, now=now, reason="transit_damage")

    returns.inspect_return(return_request=return_request, actor=logistics, now=now, outcome="transit_damage")

    claim = LogisticsClaim.objects.get()
    assert (claim.quantity, claim.amount) == (1, UNIT_PRICE)
    assert movements(return_request) == [("return_to_stock", 1, 0), ("write_off", -1, 0)]


def test_an_exchange_received_short_replaces_the_received_units_only(delivered_order, operator, logistics, now):
    return_request = received_one(delivered_order, operator=operator, handler=logistics, now=now, reason="defective", remedy="exchange")

    returns.inspect_return(return_request=return_request, actor=logistics, now=now, outcome="defective")

    assert Shipment.objects.get(replacement_for=return_request).quantity == 1
    assert ReturnRequest.objects.get().settlement_amount == -UNIT_PRICE


def test_the_units_that_never_arrived_may_be_returned_again(delivered_order, operator, logistics, now):
    return_request = approved(delivered_order, operator=operator, now=now)
    assert returns.returnable_quantity(delivered_order) == 0

    returns.receive_return(return_request=return_request, actor=logistics, now=now, received_quantity=1, reason="少一件")

    assert returns.returnable_quantity(delivered_order) == 1
    returns.inspect_return(return_request=return_request, actor=logistics, now=now, outcome="resellable")
    assert returns.returnable(delivered_order, now + timedelta(days=1)) == returns.Returnable(1)
    again = request(delivered_order, now=now + timedelta(days=1), quantity=1)
    assert (again.state, again.quantity) == ("requested", 1)
    assert returns.returnable_quantity(delivered_order) == 0


def test_the_history_and_the_member_are_told_how_many_arrived(delivered_order, operator, logistics, now):
    return_request = received_one(delivered_order, operator=operator, handler=logistics, now=now)

    receipt = history_of(return_request).get(transition="receive")
    assert (receipt.actor, receipt.at, receipt.reason_text) == (logistics, now, "实收 1/2 件，1 件未寄回：会员只寄回 1 件")
    text = Notification.objects.get(kind="return_received_short")
    assert return_request.number in text.body and "申请 2 件，实际收到 1 件" in text.body and "未收到的 1 件" in text.body
    assert text.recipient_id == delivered_order.member.user_id


def test_a_receipt_of_every_unit_reads_as_before(delivered_order, operator, logistics, now):
    return_request = approved(delivered_order, operator=operator, now=now)

    returns.receive_return(return_request=return_request, actor=logistics, now=now)

    assert ReturnRequest.objects.get().received_quantity == 2
    assert history_of(return_request).get(transition="receive").reason == ""
    assert not Notification.objects.filter(kind="return_received_short").exists()
    assert returns.returnable_quantity(delivered_order) == 0


@pytest.mark.parametrize("received", [3, 0, -1, "1"], ids=["more than asked", "none", "negative", "not a number"])
def test_a_receipt_outside_one_to_the_quantity_is_refused_naming_it_and_nothing_is_written(
    delivered_order, operator, logistics, now, received
):
    return_request = approved(delivered_order, operator=operator, now=now)
    texts = Notification.objects.count()

    with pytest.raises(ValidationFailed) as refused:
        returns.receive_return(return_request=return_request, actor=logistics, now=now, received_quantity=received, reason="x")

    assert refused.value.field == "received_quantity"
    assert ReturnRequest.objects.values_list("state", "received_quantity", "received_at").get() == ("approved", None, None)
    assert (receipts(), Notification.objects.count()) == (0, texts)


def test_more_than_asked_for_says_how_many_may_be_recorded(delivered_order, operator, logistics, now):
    return_request = approved(delivered_order, operator=operator, now=now)

    with pytest.raises(ValidationFailed, match="实收 3 件多于退货申请的 2 件"):
        returns.receive_return(return_request=return_request, actor=logistics, now=now, received_quantity=3)


def test_fewer_units_without_a_note_are_refused_naming_the_note(delivered_order, operator, logistics, now):
    return_request = approved(delivered_order, operator=operator, now=now)

    with pytest.raises(ValidationFailed) as refused:
        returns.receive_return(return_request=return_request, actor=logistics, now=now, received_quantity=1, reason="  ")

    assert (refused.value.field, refused.value.code) == ("reason", "required")
    assert ReturnRequest.objects.get().state == "approved" and receipts() == 0


def test_a_return_not_approved_can_not_be_received_short(delivered_order, logistics, now):
    return_request = request(delivered_order, now=now, quantity=2)

    with pytest.raises(InvalidTransition):
        returns.receive_return(return_request=return_request, actor=logistics, now=now, received_quantity=1, reason="少一件")

    assert ReturnRequest.objects.values_list("state", "received_quantity").get() == ("requested", None)


# --- the API ---------------------------------------------------------------------------------------------------------

@pytest.fixture
def _clock(time_machine):
    time_machine.move_to(FIXED_NOW, tick=False)


def receive_url(return_request) -> str:
    return f"/api/v1/returns/{return_request.pk}/receive/"


def errors(response) -> list[tuple[str, str]]:
    return [(error["attr"], error["code"]) for error in response.json()["errors"]]


@pytest.mark.usefixtures("_clock")
def test_logistics_receives_a_warehouse_return_short_through_the_api(api, delivered_order, operator, logistics, now):
    return_request = approved(delivered_order, operator=operator, now=now)

    response = api(logistics).post(receive_url(return_request), {"received_quantity": 1, "reason": "少一件"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["quantity"], body["received_quantity"]) == ("received", 2, 1)
    assert api(delivered_order.member.user).get(f"/api/v1/returns/{return_request.pk}/").json()["received_quantity"] == 1


@pytest.mark.usefixtures("_clock")
def test_the_dropship_supplier_receives_its_return_short_and_another_supplier_gets_404(
    api, dropship_order, operator, supplier_staff, other_supplier_admin, now
):
    return_request = approved(dropship_order, operator=operator, now=now)

    other = api(other_supplier_admin).post(receive_url(return_request), {"received_quantity": 1, "reason": "少一件"})
    response = api(supplier_staff).post(receive_url(return_request), {"received_quantity": 1, "reason": "少一件"})

    assert other.status_code == 404
    assert response.status_code == 200, response.content
    assert response.json()["received_quantity"] == 1


@pytest.mark.usefixtures("_clock")
def test_the_supplier_may_not_receive_a_warehouse_return(api, delivered_order, operator, now):
    return_request = approved(delivered_order, operator=operator, now=now)
    own = SupplierUserFactory(username="gift_supplier_admin", role="supplier_admin", supplier=delivered_order.supplier)

    response = api(own).post(receive_url(return_request), {"received_quantity": 1, "reason": "少一件"})

    assert response.status_code == 403
    assert ReturnRequest.objects.get().state == "approved"


@pytest.mark.usefixtures("_clock")
@pytest.mark.parametrize(("body", "named"), [
    ({"received_quantity": 3, "reason": "多了"}, [("received_quantity", "invalid")]),
    ({"received_quantity": 0, "reason": "没到"}, [("received_quantity", "invalid")]),
    ({"received_quantity": 1}, [("reason", "required")]),
], ids=["more than asked", "none", "fewer without a note"])
def test_a_bad_receipt_through_the_api_is_400_naming_the_field_and_nothing_is_written(
    api, delivered_order, operator, logistics, now, body, named
):
    return_request = approved(delivered_order, operator=operator, now=now)

    response = api(logistics).post(receive_url(return_request), body)

    assert response.status_code == 400 and errors(response) == named
    assert ReturnRequest.objects.values_list("state", "received_quantity").get() == ("approved", None)
    assert receipts() == 0


# --- the portal ------------------------------------------------------------------------------------------------------

@pytest.mark.usefixtures("_clock")
def test_the_receipt_form_offers_the_quantity_and_shows_a_refusal_next_to_the_field(delivered_order, operator, logistics, now):
    return_request = approved(delivered_order, operator=operator, now=now)
    client = logged_in(logistics)
    page = client.get(f"/logistics/returns/{return_request.pk}/").content.decode()
    assert 'name="received_quantity"' in page and 'value="2"' in page

    too_many = client.post(f"/logistics/returns/{return_request.pk}/receive/", {"received_quantity": 3, "reason": ""})
    no_note = client.post(f"/logistics/returns/{return_request.pk}/receive/", {"received_quantity": 1, "reason": ""})

    assert "实收 3 件多于退货申请的 2 件" in field_errors(too_many)["received_quantity"]
    assert "请说明原因" in field_errors(no_note)["reason"]
    assert ReturnRequest.objects.get().state == "approved"


@pytest.mark.usefixtures("_clock")
def test_the_pages_show_requested_and_received(delivered_order, operator, logistics, now):
    return_request = approved(delivered_order, operator=operator, now=now)
    logged_in(logistics).post(f"/logistics/returns/{return_request.pk}/receive/", {"received_quantity": 1, "reason": "少一件"})

    member = logged_in(delivered_order.member.user)
    detail = member.get(f"/logistics/returns/{return_request.pk}/").content.decode()
    mine = member.get("/logistics/my-returns/").content.decode()
    desk = logged_in(operator).get("/logistics/returns/").content.decode()

    assert ReturnRequest.objects.get().received_quantity == 1
    assert 'data-testid="received-quantity">1<' in detail and "申请 2 件，实际收到 1 件" in detail and "仍由您保管" in detail
    assert "实收 1 件" in mine and "实收 1 件" in desk
    assert "实收 1/2 件，1 件未寄回：少一件" in detail  # the history

