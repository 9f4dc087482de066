"""A member reads the platform's staff who acted on its order by role (运营人员), never by login name, on its order
page and in the API's history; the operator reads the login name."""
import pytest

from points.services import orders
from tests.factories import ADDRESS
from tests.portal import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def cancelled_by_operator(rich_member, listed_gift, operator, now):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)
    return orders.cancel_order(order=order, actor=operator, now=now, reason="会员来电要求取消")


def test_the_member_reads_the_operator_by_role_in_its_orders_history(cancelled_by_operator, rich_member, operator, api):
    history = api(rich_member.user).get(f"/api/v1/orders/{cancelled_by_operator.pk}/history/").json()
    page = logged_in(rich_member.user).get(f"/member/orders/{cancelled_by_operator.pk}/").content.decode()

    assert [row["actor"] for row in history if row["transition"] == "cancel"] == ["运营人员"]
    assert "运营人员" in page and operator.username not in str(history)


def test_the_operator_reads_the_login_name(cancelled_by_operator, operator, api):
    history = api(operator).get(f"/api/v1/orders/{cancelled_by_operator.pk}/history/").json()

    assert [row["actor"] for row in history if row["transition"] == "cancel"] == [operator.username]
