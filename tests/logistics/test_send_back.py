"""A return refused at inspection (the gift was used) sends the goods back to the member (SPEC §4.7): a parcel of the
return from wherever the goods came back to, shipped with carrier and tracking number, its state on the return's page,
in its API answer and history, and in the member's tracking; it moves no stock, no order state and no statement line."""
from datetime import timedelta
from decimal import Decimal

import pytest

from core.errors import InvalidTransition
from core.fsm import apply_transition
from core.models import Notification
from logistics.models import ReturnRequest, Shipment
from logistics.services import returns, shipments
from points.models import RedemptionOrder
from points.services import orders
from suppliers.models import StockMovement
from tests.helpers import picked_and_shipped
from tests.logistics.builders import received
from tests.portal import logged_in


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_at_now")]



@pytest.fixture
def refused(delivered_order, operator, logistics, now) -> ReturnRequest:
    """One unit of the delivered warehouse order, found used at the warehouse and refused."""
    return_request = received(delivered_order, operator=operator, handler=logistics, now=now)
    return returns.inspect_return(return_request=return_request, actor=logistics, now=now, outcome="used", reason="有明显使用痕迹")


def send_back(refused: ReturnRequest) -> Shipment:
    return Shipment.objects.get(send_back_for=refused)


def test_refusing_a_used_gift_makes_a_parcel_back_to_the_member_from_the_warehouse(refused, delivered_order):
    parcel = send_back(refused)

    assert refused.state == "refused"
    assert (parcel.kind, parcel.quantity, parcel.state, parcel.settlement_amount) == ("warehouse", 1, "created", Decimal("0.00"))
    assert parcel.order_id == delivered_order.pk and parcel.replacement_for_id is None
    assert shipments.active_shipment(delivered_order).send_back_for_id is None


def test_logistics_ships_the_goods_back_and_the_member_is_texted_the_tracking_number(refused, logistics, now):
    movements_before = StockMovement.objects.count()

    picked_and_shipped(shipment=send_back(refused), actor=logistics, now=now, carrier="顺丰", tracking_number="SF-BACK")

    assert send_back(refused).state == "shipped"
    text = Notification.objects.get(kind="return_sent_back").body
    assert refused.number in text and "顺丰 运单号 SF-BACK" in text
    assert StockMovement.objects.count() == movements_before
    assert RedemptionOrder.objects.get().state == "delivered"


def test_the_member_receiving_the_goods_back_leaves_the_order_and_the_return_as_they_were(refused, delivered_order, logistics, now):
    parcel = picked_and_shipped(shipment=send_back(refused), actor=logistics, now=now, carrier="顺丰", tracking_number="SF-BACK")

    shipments.confirm_shipment_receipt(shipment=parcel, actor=delivered_order.member.user, now=now + timedelta(days=2))

    assert send_back(refused).state == "delivered"
    assert (RedemptionOrder.objects.get().state, ReturnRequest.objects.get().state) == ("delivered", "refused")


def test_the_returns_history_follows_the_parcel_back(refused, logistics, now):
    picked_and_shipped(shipment=send_back(refused), actor=logistics, now=now + timedelta(hours=1), carrier="顺丰", tracking_number="SF-BACK")

    steps = [(log.transition, log.target_state) for log in returns.return_history(refused)]

    assert steps == [("request", "requested"), ("approve", "approved"), ("receive", "received"), ("inspect", "inspected"),
                     ("refuse", "refused"), ("create", "created"), ("pick", "picked"), ("ship", "shipped")]


def test_a_dropship_return_refused_is_sent_back_by_its_supplier(dropship_order, operator, supplier_staff, now):
    return_request = received(dropship_order, operator=operator, handler=supplier_staff, now=now)
    returns.inspect_return(return_request=return_request, actor=operator, now=now, outcome="used", reason="照片显示已使用")
    parcel = send_back(return_request)

    shipments.ship_shipment(shipment=parcel, actor=supplier_staff, now=now, carrier="中通", tracking_number="ZT-BACK")

    assert (parcel.kind, parcel.state, parcel.tracking_number) == ("dropship", "shipped", "ZT-BACK")
    assert shipments.may_drive_by_hand(user=supplier_staff, shipment=parcel, action="ship")


def test_the_sender_reads_the_members_address_while_the_parcel_back_is_underway_even_weeks_after_delivery(
    dropship_order, operator, supplier_staff, logistics, api, time_machine, now
):
    """The order's own window for a dropship supplier closes 7 days after delivery; the parcel back is the supplier's to
    ship, so its sender reads the address until it is delivered, and that read is logged."""
    from core.models import AccessLog
    from points.privacy import may_see_contact

    return_request = received(dropship_order, operator=operator, handler=supplier_staff, now=now)
    returns.inspect_return(return_request=return_request, actor=operator, now=now, outcome="used", reason="照片显示已使用")
    parcel, weeks_later = send_back(return_request), now + timedelta(days=20)
    time_machine.move_to(weeks_later, tick=False)

    detail = api(supplier_staff).get(f"/api/v1/shipments/{parcel.pk}/").json()

    assert not may_see_contact(user=supplier_staff, order=dropship_order, now=weeks_later)
    assert detail["address"] == dropship_order.address and AccessLog.objects.filter(actor=supplier_staff).exists()
    assert not shipments.may_see_parcel_contact(user=logistics, shipment=parcel, now=weeks_later)  # not its parcel to send
    picked_and_shipped(shipment=parcel, actor=supplier_staff, now=weeks_later, carrier="中通", tracking_number="ZT-BACK")
    assert shipments.may_see_parcel_contact(user=supplier_staff, shipment=parcel, now=weeks_later)
    shipments.deliver_shipment(shipment=parcel, actor=None, now=weeks_later, signer="刘洋")
    assert not shipments.may_see_parcel_contact(user=supplier_staff, shipment=parcel, now=weeks_later)  # delivered: masked again
    assert api(supplier_staff).get(f"/api/v1/shipments/{parcel.pk}/").json()["recipient_phone"] == "138****8000"


def test_the_order_does_not_complete_while_its_goods_are_on_the_way_back(refused, delivered_order, logistics, now):
    parcel = picked_and_shipped(shipment=send_back(refused), actor=logistics, now=now, carrier="顺丰", tracking_number="SF-BACK")

    held = orders.complete_orders(now=now + timedelta(days=16))
    shipments.deliver_shipment(shipment=parcel, actor=logistics, now=now + timedelta(days=16), signer="刘洋")
    completed = orders.complete_orders(now=now + timedelta(days=17))

    assert held == [] and completed == [delivered_order.pk]


def test_the_api_shows_the_member_the_parcel_back_and_its_history(api, refused, delivered_order, logistics, now):
    picked_and_shipped(shipment=send_back(refused), actor=logistics, now=now, carrier="顺丰", tracking_number="SF-BACK")
    member = api(delivered_order.member.user)

    seen = member.get(f"/api/v1/returns/{refused.pk}/").json()
    history = member.get(f"/api/v1/returns/{refused.pk}/history/").json()

    assert seen["state"] == "refused"
    assert [(p["state"], p["carrier"], p["tracking_number"]) for p in seen["sent_back"]] == [("shipped", "顺丰", "SF-BACK")]
    assert [step["target_state"] for step in history][-4:] == ["refused", "created", "picked", "shipped"]


def test_the_return_page_shows_the_parcel_back_and_explains_it(refused, delivered_order, logistics, now):
    picked_and_shipped(shipment=send_back(refused), actor=logistics, now=now, carrier="顺丰", tracking_number="SF-BACK")

    as_member = logged_in(delivered_order.member.user).get(f"/logistics/returns/{refused.pk}/").content.decode()
    as_logistics = logged_in(logistics).get(f"/logistics/returns/{refused.pk}/").content.decode()

    for page in (as_member, as_logistics):
        assert 'data-testid="sent-back"' in page and "顺丰 SF-BACK" in page and 'data-testid="refused-note"' in page
    assert f'href="/logistics/shipments/{send_back(refused).pk}/"' in as_logistics
    assert "/logistics/shipments/" not in as_member


def test_logistics_ships_the_parcel_back_from_its_shipment_page(refused, logistics):
    client = logged_in(logistics)
    parcel = send_back(refused)

    page = client.get(f"/logistics/shipments/{parcel.pk}/").content.decode()
    client.post(f"/logistics/shipments/{parcel.pk}/pick/", {})
    client.post(f"/logistics/shipments/{parcel.pk}/ship/", {"carrier": "顺丰", "tracking_number": "SF-BACK"})

    assert 'data-testid="send-back"' in page
    assert send_back(refused).state == "shipped"


# --- sending refused goods back again after the parcel back failed -------------------------------------------------

def failed_back(refused: ReturnRequest, *, actor, now, tracking_number: str = "SF-BACK") -> Shipment:
    """The parcel back shipped and failed (the member's address was wrong)."""
    parcel = picked_and_shipped(shipment=send_back(refused), actor=actor, now=now, carrier="顺丰", tracking_number=tracking_number)
    return shipments.fail_shipment(shipment=parcel, actor=actor, now=now + timedelta(days=1), reason="地址错误，无人签收")


def parcels_back(refused: ReturnRequest) -> list[tuple[str, str]]:
    return list(Shipment.objects.filter(send_back_for=refused).order_by("pk").values_list("state", "tracking_number"))


def test_only_a_failed_parcel_back_may_be_sent_again(refused, logistics, now):
    before = returns.may_send_back_again(refused)
    failed_back(refused, actor=logistics, now=now)
    refused.refresh_from_db()

    assert before is False
    assert returns.may_send_back_again(refused) is True


def test_the_model_refuses_sending_back_again_while_the_parcel_back_has_not_failed(refused, logistics, now):
    with pytest.raises(InvalidTransition):
        apply_transition(refused, "send_back_again", actor=logistics, at=now)

    assert parcels_back(refused) == [("created", "")] and refused.failed_send_back() is None
    assert {t.name for t in refused.get_available_state_transitions()} == set()


def test_once_the_parcel_back_failed_the_return_names_it_and_may_send_again(refused, logistics, now):
    failed = failed_back(refused, actor=logistics, now=now)
    refused.refresh_from_db()

    assert refused.failed_send_back() == failed
    assert {t.name for t in refused.get_available_state_transitions()} == {"send_back_again"}


def test_a_failed_parcel_back_waits_for_logistics_until_it_is_sent_again(refused, logistics, operator, now):
    before = returns.returns_waiting(logistics)
    failed_back(refused, actor=logistics, now=now)
    waiting = returns.returns_waiting(logistics)

    returns.send_back_again(return_request=refused, actor=logistics, now=now + timedelta(days=2), reason="会员已更正地址")

    assert (before, waiting, returns.returns_waiting(logistics)) == (0, 1, 0)
    assert returns.returns_waiting(operator) == 0


def test_logistics_sends_a_warehouse_return_back_again_and_the_history_says_who_and_why(refused, logistics, now):
    failed_back(refused, actor=logistics, now=now)
    later = now + timedelta(days=2)

    again = returns.send_back_again(return_request=refused, actor=logistics, now=later, reason="会员已更正地址")

    assert again.state == "refused" and parcels_back(refused) == [("failed", "SF-BACK"), ("created", "")]
    log = [log for log in returns.return_history(refused) if log.transition == "send_back_again"]
    assert [(entry.actor, entry.at, entry.reason) for entry in log] == [(logistics, later, "会员已更正地址")]
    assert returns.may_send_back_again(again) is False  # one parcel back on its way at a time


def test_the_new_parcel_back_ships_like_the_first_and_the_member_is_texted_again(refused, logistics, now):
    failed_back(refused, actor=logistics, now=now)
    returns.send_back_again(return_request=refused, actor=logistics, now=now + timedelta(days=2), reason="会员已更正地址")
    parcel = Shipment.objects.get(send_back_for=refused, state="created")
    movements_before = StockMovement.objects.count()

    picked_and_shipped(shipment=parcel, actor=logistics, now=now + timedelta(days=2), carrier="顺丰", tracking_number="SF-BACK-2")

    texts = list(Notification.objects.filter(kind="return_sent_back").order_by("pk").values_list("body", flat=True))
    assert len(texts) == 2 and "SF-BACK-2" in texts[1]
    assert StockMovement.objects.count() == movements_before


def test_sending_back_again_needs_a_reason_and_a_failed_parcel(refused, logistics, now):
    with pytest.raises(returns.InvalidTransition):
        returns.send_back_again(return_request=refused, actor=logistics, now=now, reason="再寄一次")
    failed_back(refused, actor=logistics, now=now)
    with pytest.raises(returns.ValidationFailed) as missing:
        returns.send_back_again(return_request=refused, actor=logistics, now=now, reason="  ")

    assert missing.value.field == "reason"
    assert parcels_back(refused) == [("failed", "SF-BACK")]


def test_only_whoever_shipped_it_sends_it_again(refused, logistics, operator, supplier_staff, now):
    failed_back(refused, actor=logistics, now=now)

    for other in (operator, supplier_staff):
        with pytest.raises(returns.PermissionDenied):
            returns.send_back_again(return_request=refused, actor=other, now=now, reason="再寄一次")
    assert parcels_back(refused) == [("failed", "SF-BACK")]


def test_the_supplier_sends_a_dropship_return_back_again(dropship_order, operator, supplier_staff, logistics, now):
    return_request = received(dropship_order, operator=operator, handler=supplier_staff, now=now)
    returns.inspect_return(return_request=return_request, actor=operator, now=now, outcome="used", reason="照片显示已使用")
    parcel = shipments.ship_shipment(shipment=send_back(return_request), actor=supplier_staff, now=now, carrier="中通", tracking_number="ZT-BACK")
    shipments.fail_shipment(shipment=parcel, actor=supplier_staff, now=now + timedelta(days=1), reason="拒收")

    with pytest.raises(returns.PermissionDenied):
        returns.send_back_again(return_request=return_request, actor=logistics, now=now, reason="再寄一次")
    returns.send_back_again(return_request=return_request, actor=supplier_staff, now=now + timedelta(days=2), reason="会员同意签收")

    new = Shipment.objects.filter(send_back_for=return_request).order_by("pk").last()
    assert (new.kind, new.state, new.supplier_id) == ("dropship", "created", dropship_order.supplier_id)


def test_the_api_sends_back_again(api, refused, delivered_order, logistics, operator, now):
    failed_back(refused, actor=logistics, now=now)
    url = f"/api/v1/returns/{refused.pk}/send-back-again/"

    forbidden = api(operator).post(url, {"reason": "再寄一次"}, format="json")
    by_member = api(delivered_order.member.user).post(url, {"reason": "再寄一次"}, format="json")
    no_reason = api(logistics).post(url, {}, format="json")
    sent = api(logistics).post(url, {"reason": "会员已更正地址"}, format="json")
    again = api(logistics).post(url, {"reason": "会员已更正地址"}, format="json")

    assert (forbidden.status_code, by_member.status_code, no_reason.status_code) == (403, 403, 400)
    assert sent.status_code == 200
    assert [parcel["state"] for parcel in sent.json()["sent_back"]] == ["created", "failed"]  # newest first
    assert again.status_code == 409
    history = api(logistics).get(f"/api/v1/returns/{refused.pk}/history/").json()
    assert [step["reason"] for step in history if step["transition"] == "send_back_again"] == ["会员已更正地址"]


def test_another_supplier_does_not_find_the_return(api, refused, logistics, other_supplier_admin, now):
    failed_back(refused, actor=logistics, now=now)

    response = api(other_supplier_admin).post(f"/api/v1/returns/{refused.pk}/send-back-again/", {"reason": "x"}, format="json")

    assert response.status_code == 404


def test_the_return_page_offers_sending_back_again_with_a_reason(refused, delivered_order, logistics, now):
    client = logged_in(logistics)
    before = client.get(f"/logistics/returns/{refused.pk}/").content.decode()
    failed_back(refused, actor=logistics, now=now)
    page = client.get(f"/logistics/returns/{refused.pk}/").content.decode()
    as_member = logged_in(delivered_order.member.user).get(f"/logistics/returns/{refused.pk}/").content.decode()

    refused_form = client.post(f"/logistics/returns/{refused.pk}/send_back_again/", {"reason": ""})
    client.post(f"/logistics/returns/{refused.pk}/send_back_again/", {"reason": "会员已更正地址"})

    assert 'data-action="send_back_again"' not in before
    assert 'data-action="send_back_again"' in page and 'data-testid="send-back-failed"' in page
    assert "失败原因：地址错误，无人签收" in page and "失败原因：地址错误，无人签收" in as_member  # why the parcel came back
    assert 'data-action="send_back_again"' not in as_member
    assert refused_form.status_code == 400 and parcels_back(refused) == [("failed", "SF-BACK"), ("created", "")]
    after = client.get(f"/logistics/returns/{refused.pk}/").content.decode()
    assert 'data-action="send_back_again"' not in after and "会员已更正地址" in after
