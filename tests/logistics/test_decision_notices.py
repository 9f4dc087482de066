"""Logistics' and operators' decisions on a supplier's costs, exchanges and inbound stock reach the supplier (SPEC
§4.12): a notice in its portal inbox linking to the page, with an SMS for a decision on one object and inbox only for
routine work. What the supplier does itself tells it nothing."""
import pytest
from django.utils import translation

from core.errors import PermissionDenied
from core.roles import Role
from logistics.models import ExtraCost
from logistics.services import costs, shipments
from suppliers.models import Notice
from tests.factories import SupplierUserFactory
from tests.helpers import only_notice

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed_once(shipped, logistics, now):
    """The warehouse order whose first delivery failed."""
    shipments.fail_shipment(shipment=shipped, actor=logistics, now=now, reason="收件人不在")
    shipped.order.refresh_from_db()
    return shipped.order


def charge(order, *, payer: str, actor, now) -> ExtraCost:
    return costs.record_extra_cost(kind="redelivery", payer=payer, supplier=order.supplier, order=order, description="",
                                   actor=actor, now=now)


# --- an extra cost voided -------------------------------------------------------------------------------------------
def test_a_voided_cost_the_supplier_bore_tells_it_it_will_not_be_billed_and_why(failed_once, logistics, now):
    cost = charge(failed_once, payer="supplier", actor=logistics, now=now)

    costs.void_extra_cost(cost=cost, actor=logistics, now=now, reason="收件人原因，改由会员承担")

    notice = only_notice(failed_once.supplier, "extra_cost_voided")
    assert notice.title_text == f"额外费用 #{cost.pk} 已作废"
    assert notice.body_text == f"二次配送费 {cost.amount} 元不再向您收取，也不计入结算单。作废原因：收件人原因，改由会员承担"
    assert notice.link == f"/logistics/extra-costs/?kind=redelivery&recorded_from={now:%Y-%m-%d}&recorded_to={now:%Y-%m-%d}"
    with translation.override("en"):
        assert notice.body_label.endswith("will not be charged to you and goes on no statement. Reason: 收件人原因，改由会员承担")


def test_the_voided_cost_is_on_the_page_the_notice_links_to(failed_once, logistics, client, now):
    cost = charge(failed_once, payer="supplier", actor=logistics, now=now)
    costs.void_extra_cost(cost=cost, actor=logistics, now=now, reason="录错")
    client.force_login(SupplierUserFactory(role=Role.SUPPLIER_ADMIN, supplier=failed_once.supplier))

    page = client.get(Notice.objects.get(kind="extra_cost_voided").link)

    assert page.status_code == 200 and [listed.pk for listed in page.context["page_obj"]] == [cost.pk]


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
