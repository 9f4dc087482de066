"""The returns list (退换货) finds a return by its member's phone for staff, as the staff's order list finds orders (the
number as typed or its last 4 digits), lists one member's returns where the operator's member page links, and lists
exactly what its navigation badge counts (仅看待我处理), which the badge links to."""
import pytest

from logistics.models import ReturnRequest
from logistics.services import returns
from points.models import RedemptionOrder
from points.services import ledger, orders
from tests.factories import ADDRESS, SHANGHAI, MemberFactory, SupplierUserFactory, renumbered
from tests.logistics.builders import request
from tests.portal import badge_links, listed, logged_in, rows_at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_at_now")]
RETURNS = "/logistics/returns/"


@pytest.fixture
def callers_return(delivered_order, now) -> ReturnRequest:
    """A return of the delivered warehouse order of the member whose phone is 13800138001, numbered with sevens."""
    member = delivered_order.member
    member.phone = "13800138001"
    member.save(update_fields=["phone"])
    renumbered(delivered_order)
    return renumbered(request(delivered_order, now=now))


@pytest.fixture
def strangers_return(delivered_order, listed_gift, now) -> ReturnRequest:
    """A return of another member's order of the same gift (phone 13900138002), asked for directly."""
    stranger = MemberFactory(phone="13900138002", name="王芳")
    ledger.earn_points(member=stranger, points=5_000, source=ledger.Source("batch", "SETUP"), at=now.replace(month=1, tzinfo=SHANGHAI))
    order = orders.place_order(member=stranger, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)
    RedemptionOrder.objects.filter(pk=order.pk).update(number="RO-STRANGER")  # no digits a phone search could match
    order.refresh_from_db()
    return ReturnRequest.objects.create(number="RR-STRANGER", order=order, supplier=order.supplier, quantity=1, reason="unused",
                                        remedy="refund", requested_at=now)


@pytest.fixture
def own_supplier_staff(delivered_order):
    return SupplierUserFactory(username="gift_supplier_staff", role="supplier_staff", supplier=delivered_order.supplier)


@pytest.mark.parametrize("typed", ["+86 138-0013-8001", "１３８００１３８００１", "13800138001", "8001", "８００１"])
@pytest.mark.parametrize("reader", ["operator", "logistics"])
def test_staff_find_a_return_by_its_members_phone_as_typed_or_its_last_four_digits(
        request, callers_return, strangers_return, reader, typed):
    assert listed(request.getfixturevalue(reader), RETURNS, q=typed) == [callers_return.pk]


@pytest.mark.parametrize("typed", ["001", "38001", "0013-8001", "8003"])
def test_other_digits_of_a_phone_find_no_return_so_a_masked_phone_cannot_be_read_off_digit_by_digit(
        operator, callers_return, strangers_return, typed):
    assert listed(operator, RETURNS, q=typed) == []


def test_staff_still_find_a_return_by_its_number_or_its_orders(operator, callers_return, strangers_return):
    assert listed(operator, RETURNS, q=callers_return.number.lower()) == [callers_return.pk]
    assert listed(operator, RETURNS, q=strangers_return.order.number) == [strangers_return.pk]


def test_a_suppliers_users_find_their_returns_by_number_but_not_by_a_members_phone(own_supplier_staff, callers_return, strangers_return):
    page = logged_in(own_supplier_staff).get(RETURNS).content.decode()

    assert listed(own_supplier_staff, RETURNS, q="13800138001") == listed(own_supplier_staff, RETURNS, q="8001") == []
    assert listed(own_supplier_staff, RETURNS, q=callers_return.number) == [callers_return.pk]
    assert "手机号" not in page


def test_the_operators_member_page_links_to_the_members_returns(operator, callers_return, strangers_return):
    member = callers_return.order.member

    page = logged_in(operator).get(f"/member/member-admin/{member.pk}/").content.decode()

    assert f'href="{RETURNS}?member={member.pk}" data-testid="member-return-list"' in page
    assert listed(operator, RETURNS, member=member.pk) == [callers_return.pk]
    assert listed(operator, RETURNS, member=strangers_return.order.member_id) == [strangers_return.pk]


def test_another_suppliers_users_list_none_of_a_members_returns_with_another_supplier(
        other_supplier_admin, callers_return, strangers_return):
    member = callers_return.order.member

    assert listed(other_supplier_admin, RETURNS, member=member.pk) == []
    assert listed(other_supplier_admin, RETURNS, waiting="1") == []
    assert logged_in(other_supplier_admin).get(f"{RETURNS}{callers_return.pk}/").status_code == 404


def test_a_member_filter_that_is_no_id_lists_nothing_and_names_it(operator, callers_return):
    response = logged_in(operator).get(RETURNS, {"member": "abc"})

    assert response.status_code == 400 and response.context["page_obj"].paginator.count == 0
    assert 'data-testid="error-member"' in response.content.decode()


def test_the_operators_returns_badge_links_to_the_returns_waiting_for_it(operator, callers_return, strangers_return):
    links = badge_links(operator, "logistics-returns")

    assert links == {"home": (f"{RETURNS}?waiting=1", 2), "nav": (f"{RETURNS}?waiting=1", 2)}
    assert all(rows_at(operator, path) == 2 for path, _count in links.values())


def test_the_waiting_filter_lists_exactly_what_waits_for_the_readers_role(operator, logistics, callers_return, strangers_return, now):
    returns.approve_return(return_request=callers_return, actor=operator, now=now)  # now for logistics to receive

    assert listed(operator, RETURNS, waiting="1") == [strangers_return.pk]
    assert listed(operator, RETURNS, waiting="false") == [callers_return.pk]
    assert listed(logistics, RETURNS, waiting="1") == [callers_return.pk]
    assert listed(logistics, RETURNS, waiting="1") == sorted(returns.returns_waiting.rows(logistics).values_list("pk", flat=True))


def test_the_waiting_filter_is_offered_to_each_return_desk(operator, logistics, own_supplier_staff, callers_return):
    for reader in (operator, logistics, own_supplier_staff):
        assert 'name="waiting"' in logged_in(reader).get(RETURNS).content.decode()
