"""An order returned in full whose statement netted off fewer units than were returned says why, per inspection
outcome: 3 units returned, 1 resellable (netted off the supplier's statement) and 2 damaged in transit (the supplier
still paid for them, the logistics provider is claimed), on the staff's order page and in the orders API's detail,
for readers of settlement figures only."""
import pytest

from core.roles import Role
from logistics.services import returns
from points.models import RedemptionOrder
from points.services import orders
from tests.factories import ADDRESS, SupplierUserFactory
from tests.logistics.builders import deliver, received
from tests.portal import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def returned_order(rich_member, listed_gift, operator, logistics, now) -> RedemptionOrder:
    """Three units delivered, then returned: one unused (resellable), two damaged in transit."""
    order = deliver(orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=3, now=now, **ADDRESS), actor=logistics, now=now)
    unused = received(order, operator=operator, handler=logistics, now=now, quantity=1, reason="unused")
    returns.inspect_return(return_request=unused, actor=logistics, now=now, outcome="resellable")
    damaged = received(order, operator=operator, handler=logistics, now=now, quantity=2, reason="transit_damage")
    returns.inspect_return(return_request=damaged, actor=logistics, now=now, outcome="transit_damage")
    order.refresh_from_db()
    assert (order.state, order.returned_quantity) == (RedemptionOrder.State.RETURNED, 3)
    return order


def outcome_rows(html: str) -> dict[str, tuple[str, str]]:
    table = html.split('data-testid="return-outcomes"', 1)[1].split("</table>", 1)[0]
    rows = {}
    for part in table.split('data-outcome="')[1:]:
        outcome = part.split('"', 1)[0]
        netted = part.split('data-testid="netted">', 1)[1].split("<", 1)[0]
        claimed = part.split('data-testid="claimed">', 1)[1].split("<", 1)[0]
        rows[outcome] = (netted, claimed)
    return rows


@pytest.mark.parametrize("role", [Role.FINANCE, Role.OPERATOR])
def test_the_staff_order_page_says_per_outcome_the_units_netted_off_and_those_claimed(returned_order, finance, operator, role):
    reader = {Role.FINANCE: finance, Role.OPERATOR: operator}[role]

    html = logged_in(reader).get(f"/member/order-admin/{returned_order.pk}/").content.decode()

    assert outcome_rows(html) == {"resellable": ("1", "0"), "transit_damage": ("0", "2")}
    assert "转物流索赔" in html and "礼品商仍按交付结算" in html


def test_logistics_staff_read_the_returns_but_not_what_they_came_to_on_the_statement(returned_order, logistics):
    html = logged_in(logistics).get(f"/member/order-admin/{returned_order.pk}/").content.decode()

    assert 'data-testid="order-returns"' in html and 'data-testid="return-outcomes"' not in html


def test_the_api_detail_gives_the_outcomes_to_the_supplier_never_to_the_member(returned_order, api):
    supplier_user = SupplierUserFactory(username="own_supplier", role=Role.SUPPLIER_STAFF, supplier=returned_order.supplier)

    detail = api(supplier_user).get(f"/api/v1/orders/{returned_order.pk}/").json()
    as_member = api(returned_order.member.user).get(f"/api/v1/orders/{returned_order.pk}/").json()

    assert [(o["outcome"], o["units"], o["netted"], o["claimed"]) for o in detail["return_outcomes"]] == [
        ("resellable", 1, 1, 0), ("transit_damage", 2, 0, 2)]
    assert detail["returned_quantity"] == 3
    assert "return_outcomes" not in as_member and "settlement_amount" not in as_member


def test_another_supplier_gets_a_404_for_the_order(returned_order, other_supplier_admin, api):
    assert api(other_supplier_admin).get(f"/api/v1/orders/{returned_order.pk}/").status_code == 404
