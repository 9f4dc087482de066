"""The points app's portal lists sort by a column's heading (core.forms.ListFilter.sorts), each way, as the role that
reads the list: a member's orders and ledger, the staff's orders (and their download), the operators' member search
and the complaint desk, where a supplier sorting its complaints still sees only its own."""
from datetime import datetime, timedelta

import pytest

from points.services import complaints, ledger, orders
from suppliers.models import Supplier
from suppliers.services import inventory
from tests.factories import ADDRESS, SHANGHAI, GiftFactory, MemberFactory, WarehouseFactory, licensed
from tests.helpers import gift_in_state, published
from tests.portal import downloaded, listed_in_order, logged_in, sort_headings

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_orders(rich_member, listed_gift, now) -> list:
    """The member's orders: 2 units five days ago, 1 unit today, 3 units two days ago."""
    return [orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=quantity, now=now - timedelta(days=days_ago),
                               **ADDRESS)
            for quantity, days_ago in ((2, 5), (1, 0), (3, 2))]


def test_a_member_sorts_its_orders_by_the_time_placed_and_by_points(rich_member, three_orders):
    older, newest, middle = (order.pk for order in three_orders)
    url = "/member/orders/"

    assert set(sort_headings(logged_in(rich_member.user).get(url).content.decode())) == {
        "number", "gift", "quantity", "points_cost", "placed_at"}
    assert listed_in_order(rich_member.user, url, ordering="placed_at") == [older, middle, newest]
    assert listed_in_order(rich_member.user, url, ordering="-placed_at") == [newest, middle, older]
    assert listed_in_order(rich_member.user, url, ordering="points_cost") == [newest, older, middle]
    assert listed_in_order(rich_member.user, url, ordering="-points_cost") == [middle, older, newest]


def test_staff_sort_every_order_by_quantity_and_the_download_follows(logistics, three_orders):
    older, newest, middle = three_orders
    url = "/member/order-admin/"

    assert listed_in_order(logistics, url, ordering="quantity") == [newest.pk, older.pk, middle.pk]
    assert listed_in_order(logistics, url, ordering="-placed_at") == [newest.pk, middle.pk, older.pk]
    rows = downloaded(logged_in(logistics).get(f"{url}export.csv", {"ordering": "-quantity"}))
    number = rows[0].index("订单号")
    assert [row[number] for row in rows[1:]] == [middle.number, older.number, newest.number]


def test_staff_sort_every_order_by_supplier(operator, rich_member, listed_gift, now):
    other_gift = published(GiftFactory(), actor=operator, at=now)
    inventory.receive_stock(gift=other_gift, location=WarehouseFactory(code="WH-ORD"), quantity=10, at=now)
    Supplier.objects.filter(pk=listed_gift.supplier_id).update(name="Beta 礼品")
    Supplier.objects.filter(pk=other_gift.supplier_id).update(name="Alpha 礼品")
    second, first, second_again = (orders.place_order(member=rich_member, gift_id=gift.pk, quantity=1, now=now, **ADDRESS).pk
                                   for gift in (listed_gift, other_gift, listed_gift))

    assert listed_in_order(operator, "/member/order-admin/", ordering="supplier") == [first, second, second_again]
    assert listed_in_order(operator, "/member/order-admin/", ordering="-supplier") == [second_again, second, first]


def test_operators_sort_the_members_found_by_balance_and_name(operator, now):
    poor, rich, middle = (MemberFactory(name=name) for name in ("丙", "甲", "乙"))
    for member, points in ((poor, 100), (rich, 900), (middle, 500)):
        ledger.earn_points(member=member, points=points, source=ledger.Source("batch", f"S-{member.pk}"), at=now)
    url = "/member/member-admin/"

    assert listed_in_order(operator, url, ordering="balance") == [poor.pk, middle.pk, rich.pk]
    assert listed_in_order(operator, url, ordering="-balance") == [rich.pk, middle.pk, poor.pk]
    assert "phone" not in sort_headings(logged_in(operator).get(url).content.decode())  # shown masked: its order would tell


def test_a_member_sorts_its_ledger_by_time_and_by_points(member, other_member, now):
    def earn(who, points: int, day: int):
        return ledger.earn_points(member=who, points=points, source=ledger.Source("batch", f"S-{who.pk}-{day}"),
                                  at=datetime(2026, 3, day, 9, tzinfo=SHANGHAI)).pk

    first, second, third = earn(member, 300, 1), earn(member, 100, 3), earn(member, 200, 2)
    earn(other_member, 250, 4)

    assert listed_in_order(member.user, "/member/points/", ordering="at") == [first, third, second]
    assert listed_in_order(member.user, "/member/points/", ordering="-at") == [second, third, first]
    assert listed_in_order(member.user, "/member/points/", ordering="points") == [second, third, first]
    assert listed_in_order(member.user, "/member/points/", ordering="-points") == [first, third, second]


def test_the_staff_ledger_of_a_member_has_no_sorting_headings(rich_member, operator):
    page = logged_in(operator).get(f"/member/member-admin/{rich_member.pk}/").content.decode()

    assert 'data-testid="ledger"' in page and sort_headings(page) == {}


def test_operators_sort_the_complaint_desk_by_the_time_opened_and_by_deadline(operator, queue_with_a_late_answer):
    overdue, running, resolved_on_time, resolved_late = (complaint.pk for complaint in queue_with_a_late_answer)

    assert listed_in_order(operator, "/complaints/", ordering="opened_at") == [resolved_late, overdue, resolved_on_time, running]
    assert listed_in_order(operator, "/complaints/", ordering="-opened_at") == [running, resolved_on_time, overdue, resolved_late]
    assert listed_in_order(operator, "/complaints/", ordering="-deadline") == [running, resolved_on_time, overdue, resolved_late]


def test_a_supplier_sorting_the_desk_sees_only_the_complaints_triaged_to_it(
        supplier_staff, other_supplier, member, operator, queue_with_a_late_answer, now):
    others_gift = gift_in_state("online", supplier=licensed(other_supplier), name="碧螺春礼盒")
    opened = complaints.open_complaint(actor=member.user, now=now - timedelta(hours=30), gift=others_gift, title="other",
                                       description="…")
    others = complaints.triage_complaint(complaint=opened, actor=operator, now=now - timedelta(hours=30), responsible="supplier")
    own = [complaint.pk for complaint in sorted(queue_with_a_late_answer, key=lambda complaint: complaint.opened_at)]

    assert listed_in_order(supplier_staff, "/complaints/", ordering="opened_at") == own
    assert listed_in_order(supplier_staff, "/complaints/", ordering="-opened_at") == own[::-1]
    assert others.pk in listed_in_order(operator, "/complaints/", ordering="opened_at")
