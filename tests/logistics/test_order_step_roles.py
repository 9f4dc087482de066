"""Who may take a step on an order (SPEC §3, §4.5), checked by the services themselves as the API checks it: the
operator cancels before picking, re-delivers and gives up; a confirmed order is cancelled by its own member or an
operator; the logistics provider or an operator hands it over; the system (no actor) takes any step. Anyone else is
refused with the API's error, and nothing changes."""
from datetime import timedelta

import pytest

from core.errors import PermissionDenied
from logistics.models import Shipment
from logistics.services import shipments
from points.models import PointsAccount, RedemptionOrder
from points.services import orders

pytestmark = pytest.mark.django_db

REASON = "会员来电"


@pytest.fixture
def failed(shipped, logistics, now) -> RedemptionOrder:
    shipments.fail_shipment(shipment=shipped, actor=logistics, now=now + timedelta(hours=1), reason="收件人不在")
    return RedemptionOrder.objects.get(pk=shipped.order_id)


def user(request, role: str):
    """The signed-in user of `role`: a fixture's name, or `member` for the order's own member."""
    found = request.getfixturevalue(role)
    return found.user if hasattr(found, "user") else found


OPERATOR_STEPS = {
    "cancel_before_picking": ("handed_over", lambda order, actor, now: orders.cancel_before_picking(order=order, actor=actor, now=now, reason=REASON)),
    "redeliver": ("failed", lambda order, actor, now: orders.redeliver_order(order=order, actor=actor, now=now, reason=REASON)),
    "give_up": ("failed", lambda order, actor, now: orders.give_up_order(order=order, actor=actor, now=now, reason=REASON)),
}


def order_in(request, waiting: str) -> RedemptionOrder:
    found = request.getfixturevalue(waiting)
    return found.order if isinstance(found, Shipment) else found


def unchanged(order: RedemptionOrder) -> tuple:
    """What a refused step must leave as it was: the order's state, its parcels, the member's balance."""
    fresh = RedemptionOrder.objects.get(pk=order.pk)
    parcels = tuple(Shipment.objects.filter(order=order).order_by("pk").values_list("state", flat=True))
    return fresh.state, parcels, PointsAccount.objects.get(member=order.member).balance


@pytest.mark.parametrize("step", OPERATOR_STEPS)
@pytest.mark.parametrize("role", ["supplier_staff", "supplier_admin", "logistics", "finance", "member"])
def test_an_operators_step_is_refused_to_anyone_else_and_changes_nothing(request, step, role, now):
    waiting, take = OPERATOR_STEPS[step]
    order = order_in(request, waiting)
    before = unchanged(order)

    with pytest.raises(PermissionDenied):
        take(order, user(request, role), now + timedelta(hours=2))

    assert unchanged(order) == before


@pytest.mark.parametrize("step", OPERATOR_STEPS)
def test_the_system_still_takes_an_operators_step(request, step, now):
    waiting, take = OPERATOR_STEPS[step]
    order = order_in(request, waiting)

    take(order, None, now + timedelta(hours=2))

    assert RedemptionOrder.objects.get(pk=order.pk).state == {"redeliver": "handed_over"}.get(step, "cancelled")


def test_the_service_refuses_with_the_error_the_api_gives(api, failed, logistics, now):
    response = api(logistics).post(f"/api/v1/orders/{failed.pk}/give-up/", {"reason": REASON}, format="json")

    with pytest.raises(PermissionDenied) as refused:
        orders.give_up_order(order=failed, actor=logistics, now=now + timedelta(hours=2), reason=REASON)

    error = response.json()["errors"][0]
    assert (response.status_code, error["code"], error["detail"]) == (403, refused.value.code, str(refused.value.detail))


@pytest.mark.parametrize("role", ["supplier_staff", "logistics", "finance", "other_member"])
def test_a_confirmed_order_is_not_cancelled_by_anyone_but_its_member_or_an_operator(request, confirmed_order, role, now):
    before = unchanged(confirmed_order)

    with pytest.raises(PermissionDenied):
        orders.cancel_order(order=confirmed_order, actor=user(request, role), now=now)

    assert unchanged(confirmed_order) == before


@pytest.mark.parametrize("role", ["member", "operator"])
def test_its_member_or_an_operator_cancels_a_confirmed_order(request, confirmed_order, role, now):
    orders.cancel_order(order=confirmed_order, actor=user(request, role), now=now, reason="会员来电取消")

    assert RedemptionOrder.objects.get(pk=confirmed_order.pk).state == "cancelled"


@pytest.mark.parametrize("role", ["supplier_staff", "finance", "member"])
def test_a_confirmed_order_is_not_handed_over_by_anyone_but_logistics_an_operator_or_the_system(request, confirmed_order, role, now):
    with pytest.raises(PermissionDenied):
        orders.hand_over_order(order=confirmed_order, actor=user(request, role), now=now)

    assert RedemptionOrder.objects.get(pk=confirmed_order.pk).state == "confirmed"


@pytest.mark.parametrize("role", ["logistics", "operator", None])
def test_logistics_an_operator_or_the_system_hands_a_confirmed_order_over(request, confirmed_order, role, now):
    orders.hand_over_order(order=confirmed_order, actor=user(request, role) if role else None, now=now)

    assert RedemptionOrder.objects.get(pk=confirmed_order.pk).state == "handed_over"
