"""A member reads the platform's staff who acted on its order by role (运营人员), never by login name, on its order
page and in the API's history; the operator reads the login name."""
import pytest

from points.services import orders
from tests.factories import ADDRESS
from tests.helpers import staff_usernames
from tests.portal import logged_in, rendered_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def cancelled_by_operator(rich_member, listed_gift, operator, now):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)
    return orders.cancel_order(order=order, actor=operator, now=now, reason="会员来电要求取消")


def test_the_member_reads_the_operator_by_role_in_its_orders_history(cancelled_by_operator, rich_member, operator, api):
    history = api(rich_member.user).get(f"/api/v1/orders/{cancelled_by_operator.pk}/history/").json()

    assert [row["actor"] for row in history if row["transition"] == "cancel"] == ["运营人员"]


def test_no_staff_login_name_is_read_on_the_members_order_pages_or_in_its_api(cancelled_by_operator, rich_member, operator):
    client = logged_in(rich_member.user)
    urls = [f"/member/orders/{cancelled_by_operator.pk}/", "/member/orders/", f"/api/v1/orders/{cancelled_by_operator.pk}/",
            f"/api/v1/orders/{cancelled_by_operator.pk}/history/", "/api/v1/orders/"]
    texts = {url: rendered_text(client.get(url)) for url in urls}

    staff = staff_usernames()
    assert operator.username in staff and "运营人员" in texts[urls[0]]
    assert {url: [name for name in sorted(staff) if name in text] for url, text in texts.items()} == dict.fromkeys(urls, [])


def test_the_operator_reads_the_login_name(cancelled_by_operator, operator, api):
    history = api(operator).get(f"/api/v1/orders/{cancelled_by_operator.pk}/history/").json()

    assert [row["actor"] for row in history if row["transition"] == "cancel"] == [operator.username]
