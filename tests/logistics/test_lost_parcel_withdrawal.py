"""A parcel reported lost by mistake (SPEC §4.6): when it turns up delivered after all, logistics staff or an operator
withdraw the report while its claim is open and the order still waits for the operator. The claim is withdrawn (the
provider owes nothing), the shipment and the order are delivered as of the signing time entered, all or nothing."""
from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.fsm import apply_transition, history_of
from core.models import Notification
from logistics.errors import ClaimNotOpen, OrderMovedOn
from logistics.models import LogisticsClaim, Shipment
from logistics.services import claims, shipments
from points.models import RedemptionOrder
from points.services import orders
from settlement.errors import CompensationStands
from settlement.models import Adjustment
from settlement.services import adjustments, compensation
from tests.helpers import picked_and_shipped
from tests.portal import field_errors, logged_in

pytestmark = pytest.mark.django_db

SHIPPED_AGO = timedelta(days=3)
REPORTED_AGO = timedelta(days=1)
SIGNED_AGO = timedelta(days=2)  # between shipping and the report: the carrier's tracking shows it signed for then
REASON = "承运商物流显示已签收"


@pytest.fixture
def lost_claim(confirmed_order, logistics, now) -> LogisticsClaim:
    """The confirmed order's parcel shipped three days ago and reported lost yesterday: its claim open, the order waiting
    for the operator."""
    shipped_at = now - SHIPPED_AGO
    shipments.hand_over_warehouse_orders(key="LOST", actor=logistics, now=shipped_at)
    shipment = picked_and_shipped(shipment=Shipment.objects.get(order=confirmed_order), actor=logistics, now=shipped_at,
                                  carrier="顺丰", tracking_number="SF-LOST")
    return claims.report_lost_parcel(shipment=shipment, actor=logistics, now=now - REPORTED_AGO)


def withdraw(claim, actor, now, **given):
    values = {"reason": REASON, "signed_at": now - SIGNED_AGO} | given
    return claims.withdraw_lost_parcel_report(claim=claim, actor=actor, now=now, **values)


def states(claim) -> tuple[str, str, str]:
    """(claim, shipment, order) states as stored."""
    claim = LogisticsClaim.objects.select_related("order", "shipment").get(pk=claim.pk)
    return claim.state, claim.shipment.state, claim.order.state


UNTOUCHED = ("open", "failed", "delivery_failed")


# --- the service ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["logistics", "operator"])
def test_withdrawing_the_report_withdraws_the_claim_and_delivers_the_shipment_and_order_as_signed(
        lost_claim, logistics, operator, now, who):
    actor = {"logistics": logistics, "operator": operator}[who]

    withdraw(lost_claim, actor, now)

    claim = LogisticsClaim.objects.select_related("order", "shipment").get()
    shipment, order = claim.shipment, claim.order
    log = list(history_of(claim))[-1]
    assert (claim.state, shipment.state, order.state) == ("withdrawn", "delivered", "delivered")
    assert (log.transition, log.actor, log.at, log.reason) == ("withdraw", actor, now, REASON)
    assert (shipment.delivered_at, shipment.delivery_recorded_at, shipment.signer, shipment.failure_reason) == (
        now - SIGNED_AGO, now, shipment.recipient_name, "")
    assert (order.delivered_at, order.delivery_recorded_at, order.delivered_automatically) == (now - SIGNED_AGO, now, False)
    assert [entry.transition for entry in history_of(order)][-1] == "deliver_after_all"
    assert [entry.transition for entry in history_of(shipment)][-1] == "deliver_after_all"


def test_the_member_is_texted_the_order_was_signed_for_after_being_told_it_failed(lost_claim, logistics, now):
    withdraw(lost_claim, logistics, now)

    texts = list(Notification.objects.filter(kind__in=["delivery_failed", "delivered"]).order_by("id").values_list("kind", "body"))
    assert [kind for kind, _body in texts] == ["delivery_failed", "delivered"]
    assert lost_claim.order.number in texts[-1][1]


def test_a_signer_given_is_kept(lost_claim, logistics, now):
    withdraw(lost_claim, logistics, now, signer="前台代收")

    assert Shipment.objects.get().signer == "前台代收"


def test_the_withdrawn_claim_drops_out_of_the_claims_total_and_its_goods_are_no_longer_lost(lost_claim, logistics, now):
    assert claims.claims_total(LogisticsClaim.objects.all()) == lost_claim.amount

    withdraw(lost_claim, logistics, now)

    order = RedemptionOrder.objects.get()
    assert claims.claims_total(LogisticsClaim.objects.all()) == 0
    assert not orders.goods_lost(order) and not claims.parcel_lost(Shipment.objects.get())


def test_the_order_completes_fifteen_days_after_the_signing_time_entered(lost_claim, logistics, now):
    withdraw(lost_claim, logistics, now)
    signed_at = now - SIGNED_AGO

    early = orders.complete_orders(now=signed_at + orders.COMPLETE_AFTER - timedelta(minutes=1))
    due = orders.complete_orders(now=signed_at + orders.COMPLETE_AFTER)

    assert (early, due) == ([], [lost_claim.order_id])
    assert RedemptionOrder.objects.get().state == "completed"


def test_a_withdrawn_claim_is_never_compensated(lost_claim, logistics, finance, now):
    withdraw(lost_claim, logistics, now)

    assert not compensation.may_propose_again(LogisticsClaim.objects.get(), finance)


@pytest.mark.parametrize("who", ["finance", "supplier_admin", "member"])
def test_only_logistics_staff_or_an_operator_withdraw_a_report(lost_claim, finance, supplier_admin, member, now, who):
    actor = {"finance": finance, "supplier_admin": supplier_admin, "member": member.user}[who]

    with pytest.raises(PermissionDenied):
        withdraw(lost_claim, actor, now)

    assert states(lost_claim) == UNTOUCHED


def test_a_claim_finance_accepted_is_refused_as_not_open_and_nothing_changes(lost_claim, logistics, finance, now):
    claims.accept_claim(claim=lost_claim, actor=finance, now=now)
    adjustments_before = Adjustment.objects.count()

    with pytest.raises(ClaimNotOpen) as refused:
        withdraw(lost_claim, logistics, now)

    assert (refused.value.status, refused.value.code, refused.value.field) == (409, "claim_not_open", "claim")
    assert "已确认" in refused.value.detail
    assert states(lost_claim) == ("accepted", "failed", "delivery_failed")
    assert Adjustment.objects.count() == adjustments_before


def test_a_settled_claim_is_refused_as_not_open(lost_claim, logistics, finance, now):
    claims.accept_claim(claim=lost_claim, actor=finance, now=now)
    claims.settle_claim(claim=lost_claim, actor=finance, now=now, settlement_reference="PAY-1")

    with pytest.raises(ClaimNotOpen):
        withdraw(lost_claim, logistics, now)

    assert states(lost_claim) == ("settled", "failed", "delivery_failed")


def test_a_report_withdrawn_once_is_not_withdrawn_again(lost_claim, logistics, now):
    withdraw(lost_claim, logistics, now)

    with pytest.raises(ClaimNotOpen):
        withdraw(lost_claim, logistics, now + timedelta(minutes=1))

    assert len([entry for entry in history_of(lost_claim) if entry.transition == "withdraw"]) == 1


def test_an_order_the_operator_gave_up_is_refused_and_nothing_changes(lost_claim, logistics, operator, now):
    order = RedemptionOrder.objects.get()
    orders.give_up_order(order=order, actor=operator, now=now - timedelta(hours=1), reason="包裹丢失")

    with pytest.raises(OrderMovedOn) as refused:
        withdraw(lost_claim, logistics, now)

    assert (refused.value.status, refused.value.code, refused.value.field) == (409, "order_moved_on", "order")
    assert "放弃配送" in refused.value.detail
    assert states(lost_claim) == ("open", "failed", "cancelled")


def test_an_order_shipped_again_is_refused(lost_claim, logistics, operator, now, monkeypatch):
    # a re-delivery of a lost parcel is refused (give it up instead): as if an operator had sent one anyway before
    monkeypatch.setattr(orders, "lost_in_transit", [])
    orders.redeliver_order(order=RedemptionOrder.objects.get(), actor=operator, now=now - timedelta(hours=1), reason="再发一次")

    with pytest.raises(OrderMovedOn):
        withdraw(lost_claim, logistics, now)

    assert states(lost_claim) == ("open", "failed", "handed_over")


def test_a_transit_damage_claim_has_no_report_to_withdraw(delivered_order, logistics, now):
    damage = claims.open_claim(order=delivered_order, cause="transit_damage", quantity=1, now=now)

    with pytest.raises(InvalidTransition):
        withdraw(damage, logistics, now + timedelta(days=1), signed_at=now)

    assert LogisticsClaim.objects.get().state == "open"


def test_a_compensation_finance_proposed_by_hand_stands_in_the_way_until_withdrawn(lost_claim, logistics, finance, now):
    by_hand = adjustments.propose_adjustment(supplier=lost_claim.order.supplier, kind="compensation", amount="360.00", reason="补偿",
                                             actor=finance, now=now, source_kind="claim", source_id=f"#{lost_claim.pk}")

    with pytest.raises(CompensationStands) as refused:
        withdraw(lost_claim, logistics, now)
    assert (refused.value.status, refused.value.code) == (409, "compensation_stands") and by_hand.number in refused.value.detail
    assert states(lost_claim) == UNTOUCHED

    adjustments.withdraw_adjustment(adjustment=by_hand, actor=finance, now=now, reason="包裹已送达")
    withdraw(lost_claim, logistics, now)

    assert states(lost_claim) == ("withdrawn", "delivered", "delivered")


@pytest.mark.parametrize("given, field", [
    ({"reason": "  "}, "reason"),
    ({"reason": "长" * 201}, "reason"),
    ({"signed_at": None}, "signed_at"),
    ({"signed_at": "future"}, "signed_at"),
    ({"signed_at": "before shipping"}, "signed_at"),
    ({"signer": "名" * 51}, "signer"),
])
def test_bad_input_is_refused_naming_the_field_and_nothing_changes(lost_claim, logistics, now, given, field):
    moments = {"future": now + timedelta(minutes=1), "before shipping": now - SHIPPED_AGO - timedelta(minutes=1)}
    given = {key: moments.get(value, value) if isinstance(value, str) else value for key, value in given.items()}

    with pytest.raises(ValidationFailed) as refused:
        withdraw(lost_claim, logistics, now, **given)

    assert refused.value.field == field
    assert states(lost_claim) == UNTOUCHED
    assert not Notification.objects.filter(kind="delivered").exists()


# --- the new transitions, illegal from elsewhere ------------------------------------------------------------------

def test_only_a_failed_shipment_is_delivered_after_all(shipped, logistics, now):
    with pytest.raises(InvalidTransition):
        apply_transition(shipped, "deliver_after_all", actor=logistics, at=now, signer="张三", delivered_at=now, recorded_at=now)

    assert Shipment.objects.get().state == "shipped"


def test_only_an_order_whose_delivery_failed_is_delivered_after_all(shipped, logistics, now):
    order = RedemptionOrder.objects.get()

    with pytest.raises(InvalidTransition):
        orders.deliver_order_after_all(order=order, actor=logistics, now=now, delivered_at=now)

    assert RedemptionOrder.objects.get().state == "shipped"


def test_only_an_open_claim_is_withdrawn(lost_claim, finance, logistics, now):
    claims.accept_claim(claim=lost_claim, actor=finance, now=now)

    with pytest.raises(InvalidTransition):
        apply_transition(lost_claim, "withdraw", actor=logistics, at=now)

    assert LogisticsClaim.objects.get().state == "accepted"


# --- the API ------------------------------------------------------------------------------------------------------

def url(claim) -> str:
    return f"/api/v1/logistics-claims/{claim.pk}/withdraw/"


def body(now, **given) -> dict:
    return {"reason": REASON, "signed_at": (now - SIGNED_AGO).isoformat()} | given


@pytest.mark.parametrize("who", ["logistics", "operator"])
def test_logistics_staff_or_an_operator_withdraw_a_report_through_the_api(api, lost_claim, logistics, operator, now, who):
    actor = {"logistics": logistics, "operator": operator}[who]

    response = api(actor).post(url(lost_claim), body(now))
    history = api(actor).get(f"/api/v1/logistics-claims/{lost_claim.pk}/history/").json()

    assert response.status_code == 200 and response.json()["state"] == "withdrawn"
    assert states(lost_claim) == ("withdrawn", "delivered", "delivered")
    rows = history["results"] if isinstance(history, dict) else history
    assert (rows[-1]["transition"], rows[-1]["reason"]) == ("withdraw", REASON)


@pytest.mark.parametrize("who, status", [
    ("finance", 403), ("supplier_admin", 404), ("other_supplier_admin", 404), ("member", 404),
])
def test_finance_suppliers_and_members_may_not_withdraw_a_report(
        api, lost_claim, finance, supplier_admin, other_supplier_admin, member, now, who, status):
    actor = {"finance": finance, "supplier_admin": supplier_admin, "other_supplier_admin": other_supplier_admin,
             "member": member.user}[who]

    response = api(actor).post(url(lost_claim), body(now))

    assert response.status_code == status
    assert states(lost_claim) == UNTOUCHED


def test_withdrawing_a_report_on_an_accepted_claim_through_the_api_is_409_claim_not_open(api, lost_claim, logistics, finance, now):
    claims.accept_claim(claim=lost_claim, actor=finance, now=now)

    response = api(logistics).post(url(lost_claim), body(now))

    assert (response.status_code, response.json()["errors"][0]["code"]) == (409, "claim_not_open")
    assert states(lost_claim) == ("accepted", "failed", "delivery_failed")


def test_withdrawing_a_report_on_a_given_up_order_through_the_api_is_409_order_moved_on(api, lost_claim, logistics, operator, now):
    orders.give_up_order(order=RedemptionOrder.objects.get(), actor=operator, now=now, reason="包裹丢失")

    response = api(logistics).post(url(lost_claim), body(now))

    assert (response.status_code, response.json()["errors"][0]["code"]) == (409, "order_moved_on")
    assert states(lost_claim) == ("open", "failed", "cancelled")


@pytest.mark.parametrize("given, field", [
    ({"signed_at": ""}, "signed_at"), ({"signed_at": "not a time"}, "signed_at"), ({"reason": ""}, "reason"),
])
def test_bad_input_through_the_api_is_400_naming_the_field(api, lost_claim, logistics, now, given, field):
    response = api(logistics).post(url(lost_claim), body(now, **given))

    assert response.status_code == 400 and [error["attr"] for error in response.json()["errors"]] == [field]
    assert states(lost_claim) == UNTOUCHED


def test_a_signing_time_in_the_future_through_the_api_is_400_naming_it(api, lost_claim, logistics, now):
    tomorrow = timezone.now() + timedelta(days=1)  # the API judges by the clock

    response = api(logistics).post(url(lost_claim), body(now, signed_at=tomorrow.isoformat()))

    assert response.status_code == 400 and [error["attr"] for error in response.json()["errors"]] == ["signed_at"]
    assert states(lost_claim) == UNTOUCHED


# --- the claim's page ---------------------------------------------------------------------------------------------

def test_logistics_withdraws_the_report_on_the_claims_page_which_then_shows_it_withdrawn_with_why(lost_claim, logistics, now):
    page = f"/logistics/claims/{lost_claim.pk}/"
    offered = logged_in(logistics).get(page).content.decode()

    response = logged_in(logistics).post(f"{page}withdraw/", {
        "signed_at": (now - SIGNED_AGO).strftime("%Y-%m-%dT%H:%M"), "reason": REASON, "next": page})
    shown = logged_in(logistics).get(page).content.decode()

    assert "撤回丢失报告" in offered and 'name="signed_at"' in offered
    assert response.status_code == 302
    assert states(lost_claim) == ("withdrawn", "delivered", "delivered")
    assert "已撤回" in shown and REASON in shown and 'name="signed_at"' not in shown


def test_a_withdrawal_without_a_signing_time_comes_back_with_the_error_next_to_it(lost_claim, logistics):
    response = logged_in(logistics).post(f"/logistics/claims/{lost_claim.pk}/withdraw/", {"reason": REASON})

    assert response.status_code == 400 and "signed_at" in field_errors(response)
    assert states(lost_claim) == UNTOUCHED


def test_finance_is_offered_no_withdrawal_and_may_not_post_one(lost_claim, finance, now):
    page = logged_in(finance).get(f"/logistics/claims/{lost_claim.pk}/").content.decode()
    response = logged_in(finance).post(f"/logistics/claims/{lost_claim.pk}/withdraw/", {
        "signed_at": (now - SIGNED_AGO).strftime("%Y-%m-%dT%H:%M"), "reason": REASON})

    assert 'name="signed_at"' not in page
    assert response.status_code == 403
    assert states(lost_claim) == UNTOUCHED


def test_no_withdrawal_is_offered_once_the_operator_gave_the_order_up(lost_claim, logistics, operator, now):
    orders.give_up_order(order=RedemptionOrder.objects.get(), actor=operator, now=now, reason="包裹丢失")

    page = logged_in(logistics).get(f"/logistics/claims/{lost_claim.pk}/").content.decode()

    assert 'name="signed_at"' not in page


def test_the_failed_shipments_page_leads_staff_to_the_lost_parcels_claim(lost_claim, logistics):
    page = logged_in(logistics).get(f"/logistics/shipments/{lost_claim.shipment_id}/").content.decode()

    assert f'href="/logistics/claims/{lost_claim.pk}/"' in page and 'data-testid="claim-link"' in page


def test_every_bad_field_of_a_withdrawal_is_named_in_one_refusal_and_nothing_changes(lost_claim, logistics, now):
    with pytest.raises(ValidationFailed) as refused:
        withdraw(lost_claim, logistics, now, reason=" ", signed_at=now + timedelta(minutes=1), signer="名" * 51)

    assert [field for field, _code, _detail in refused.value.errors] == ["reason", "signed_at", "signer"]
    assert states(lost_claim) == UNTOUCHED


def test_a_delivery_after_all_names_a_missing_signing_time_and_a_signer_too_long_at_once(lost_claim, logistics, now):
    with pytest.raises(ValidationFailed) as refused:
        shipments.deliver_after_all(shipment=Shipment.objects.get(), actor=logistics, now=now, signed_at=None, signer="名" * 51,
                                    reason=REASON)

    assert [field for field, _code, _detail in refused.value.errors] == ["signed_at", "signer"]
    assert Shipment.objects.get().state == "failed"


def test_a_claim_not_open_is_refused_as_such_whatever_the_input(lost_claim, logistics, finance, now):
    claims.accept_claim(claim=lost_claim, actor=finance, now=now)

    with pytest.raises(ClaimNotOpen):
        withdraw(lost_claim, logistics, now, reason=" ", signed_at=None)

    assert states(lost_claim) == ("accepted", "failed", "delivery_failed")

