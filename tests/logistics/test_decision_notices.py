"""Logistics' and operators' decisions on a supplier's costs, exchanges and inbound stock reach the supplier (SPEC
§4.12): a notice in its portal inbox linking to the page, with an SMS for a decision on one object and inbox only for
routine work. What the supplier does itself tells it nothing."""
import pytest
from django.utils import translation

from core.errors import PermissionDenied, ValidationFailed
from core.roles import Role
from logistics.models import ExtraCost, Shipment
from logistics.services import costs, returns, shipments
from points.services import orders
from suppliers.models import Notice
from tests.factories import SupplierUserFactory
from tests.helpers import only_notice
from tests.portal import shown
from tests.logistics.builders import received

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_at_now")]


@pytest.fixture
def failed_once(shipped, logistics, operator, now):
    """The warehouse order whose first delivery failed, delivered again (a re-delivery fee may be charged for it)."""
    shipments.fail_shipment(shipment=shipped, actor=logistics, now=now, reason="收件人不在")
    shipped.order.refresh_from_db()
    orders.redeliver_order(order=shipped.order, actor=operator, now=now)
    shipped.order.refresh_from_db()
    return shipped.order


def charge(order, *, payer: str, actor, now) -> ExtraCost:
    return costs.record_extra_cost(kind="redelivery", payer=payer, supplier=order.supplier, order=order, description="",
                                   actor=actor, now=now)


# --- an extra cost charged by hand ----------------------------------------------------------------------------------
def test_a_cost_entered_by_hand_and_charged_to_the_supplier_tells_it_what_and_why(failed_once, logistics, now):
    cost = costs.record_extra_cost_by_hand(kind="redelivery", payer="supplier", order=failed_once, description="收件电话有误",
                                           actor=logistics, now=now)

    notice = only_notice(failed_once.supplier, "extra_cost_charged")
    assert notice.title_text == f"新增额外费用 #{cost.pk}"
    assert notice.body_text == f"二次配送费 ¥{cost.amount} 由您承担，将计入结算单。说明：收件电话有误"
    assert notice.link == f"/logistics/extra-costs/{cost.pk}/"
    with translation.override("en"):
        assert notice.body_label.endswith("is charged to you and goes on your statement. What for: 收件电话有误")


def test_a_cost_entered_by_hand_that_the_supplier_does_not_bear_tells_it_nothing(failed_once, logistics, now):
    costs.record_extra_cost_by_hand(kind="redelivery", payer="logistics", order=failed_once, description="我方派送失误",
                                    actor=logistics, now=now)

    assert not Notice.objects.filter(kind="extra_cost_charged").exists()


@pytest.mark.parametrize("description", ["", "   "])
def test_a_cost_entered_by_hand_without_saying_what_for_is_refused_naming_it_and_tells_nobody(failed_once, logistics, now,
                                                                                               description):
    with pytest.raises(ValidationFailed) as refused:
        costs.record_extra_cost_by_hand(kind="redelivery", payer="supplier", order=failed_once, description=description,
                                        actor=logistics, now=now)

    assert (refused.value.field, refused.value.code) == ("description", "required")
    assert not ExtraCost.objects.exists() and not Notice.objects.filter(kind="extra_cost_charged").exists()


# --- an extra cost voided -------------------------------------------------------------------------------------------
def test_a_voided_cost_the_supplier_bore_tells_it_it_will_not_be_billed_and_why(failed_once, logistics, now):
    cost = charge(failed_once, payer="supplier", actor=logistics, now=now)

    costs.void_extra_cost(cost=cost, actor=logistics, now=now, reason="收件人原因，改由会员承担")

    notice = only_notice(failed_once.supplier, "extra_cost_voided")
    assert notice.title_text == f"额外费用 #{cost.pk} 已作废"
    assert notice.body_text == f"二次配送费 ¥{cost.amount} 不再向您收取，也不计入结算单。作废原因：收件人原因，改由会员承担"
    assert notice.link == f"/logistics/extra-costs/{cost.pk}/"
    with translation.override("en"):
        assert notice.body_label.endswith("will not be charged to you and goes on no statement. Reason: 收件人原因，改由会员承担")


def test_the_voided_cost_is_on_the_page_the_notice_links_to(failed_once, logistics, client, now):
    cost = charge(failed_once, payer="supplier", actor=logistics, now=now)
    costs.void_extra_cost(cost=cost, actor=logistics, now=now, reason="录错")
    client.force_login(SupplierUserFactory(role=Role.SUPPLIER_ADMIN, supplier=failed_once.supplier))

    page = client.get(Notice.objects.get(kind="extra_cost_voided").link)

    assert page.status_code == 200 and page.context["cost"] == cost
    assert "录错" in shown(page, "void-reason") and "已作废" in shown(page, "state")


def test_a_voided_cost_the_supplier_did_not_bear_tells_it_nothing(failed_once, logistics, now):
    cost = charge(failed_once, payer="logistics", actor=logistics, now=now)

    costs.void_extra_cost(cost=cost, actor=logistics, now=now, reason="录错")

    assert not Notice.objects.filter(kind="extra_cost_voided").exists()


def test_a_supplier_voids_no_cost_and_is_told_nothing(failed_once, logistics, now):
    cost = charge(failed_once, payer="supplier", actor=logistics, now=now)

    with pytest.raises(PermissionDenied):
        costs.void_extra_cost(cost=cost, actor=SupplierUserFactory(role=Role.SUPPLIER_ADMIN, supplier=failed_once.supplier), now=now,
                              reason="不认可")

    assert not Notice.objects.filter(kind="extra_cost_voided").exists()


# --- a failed replacement followed up -------------------------------------------------------------------------------
def test_another_replacement_tells_the_supplier_the_warehouse_ships_it_and_the_failed_unit_is_back(failed, exchanged, operator, now):
    returns.reship_replacement(return_request=exchanged, actor=operator, now=now, reason="会员已更正地址")

    notice = only_notice(exchanged.order.supplier, "replacement_reshipped")
    assert notice.title_text == f"退换货 {exchanged.number}：换货将重新发出"
    assert notice.body_text == (f"订单 {exchanged.order.number} 的换货包裹配送失败，运营决定重新发出 1 件，由仓库从您的寄售库存中发出。"
                                f"失败包裹的 1 件已退回{exchanged.order.location.name}的库存。说明：会员已更正地址")
    assert notice.link == f"/logistics/returns/{exchanged.pk}/"
    with translation.override("en"):
        assert notice.title_label == f"Return {exchanged.number}: the replacement will be shipped again"


def test_points_refunded_instead_tell_the_supplier_no_replacement_goes_and_a_lost_unit_stays_lost(lost, exchanged, operator, now):
    returns.refund_instead(return_request=exchanged, actor=operator, now=now, reason="会员要求退积分")

    notice = only_notice(exchanged.order.supplier, "replacement_refunded")
    assert notice.title_text == f"退换货 {exchanged.number}：改为退积分"
    assert notice.body_text == (f"订单 {exchanged.order.number} 的换货包裹配送失败，运营决定改为向会员退还积分，不再发出换货。"
                                "失败的包裹已丢失，其 1 件不退回库存。说明：会员要求退积分")
    assert notice.link == f"/logistics/returns/{exchanged.pk}/"


def test_a_dropship_supplier_is_asked_to_ship_the_new_replacement_and_its_own_shipping_tells_it_nothing(
    dropship_order, operator, supplier_staff, now
):
    return_request = received(dropship_order, operator=operator, handler=supplier_staff, now=now, reason="defective", remedy="exchange")
    returns.inspect_return(return_request=return_request, actor=operator, now=now, outcome="defective")
    parcel = shipments.ship_shipment(shipment=Shipment.objects.get(replacement_for=return_request), actor=supplier_staff, now=now,
                                     carrier="中通", tracking_number="ZT-R")
    shipments.fail_shipment(shipment=parcel, actor=None, now=now, reason="拒收")
    assert not Notice.objects.filter(kind__startswith="replacement_").exists()

    with pytest.raises(PermissionDenied):
        returns.reship_replacement(return_request=return_request, actor=supplier_staff, now=now, reason="我来重发")
    assert not Notice.objects.filter(kind__startswith="replacement_").exists()
    returns.reship_replacement(return_request=return_request, actor=operator, now=now, reason="会员同意签收")

    assert "，请您于 2026-10-17 10:00 前在订单中发出新的换货包裹。" in only_notice(dropship_order.supplier, "replacement_reshipped").body_text
