"""After approval the member is told where to send the goods back and what to write on the parcel: the order's
warehouse for a warehouse return, the supplier's address for a dropship one, on the return's page and in the SMS."""
import pytest

from core.models import Notification
from logistics.services import returns
from suppliers.models import Location
from tests.factories import FIXED_NOW
from tests.logistics.builders import request
from tests.portal import logged_in


pytestmark = pytest.mark.django_db

WAREHOUSE_ADDRESS = "上海市青浦区华新镇华腾路 88 号 3 号库"
SUPPLIER_ADDRESS = "浙江省杭州市余杭区文一西路 1000 号"


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(FIXED_NOW, tick=False)


def approved(order, *, operator, now):
    return_request = request(order, now=now)
    return returns.approve_return(return_request=return_request, actor=operator, now=now)


@pytest.fixture
def warehouse_with_address(delivered_order):
    """The order's warehouse WH-ORD with its receiving address recorded."""
    Location.objects.filter(code="WH-ORD").update(address=WAREHOUSE_ADDRESS, contact_phone="021-5988 0000")


def test_the_member_sees_the_warehouse_address_and_the_return_number_once_approved(
    warehouse_with_address, delivered_order, operator, now
):
    client = logged_in(delivered_order.member.user)
    return_request = request(delivered_order, now=now)
    before = client.get(f"/logistics/returns/{return_request.pk}/").content.decode()

    returns.approve_return(return_request=return_request, actor=operator, now=now)
    page = client.get(f"/logistics/returns/{return_request.pk}/").content.decode()

    assert 'data-testid="send-back-instructions"' not in before
    assert WAREHOUSE_ADDRESS in page and "021-5988 0000" in page and delivered_order.location.name in page
    assert f"退货单号 {return_request.number}" in page


def test_the_approval_sms_names_the_warehouse_address_and_the_return_number(warehouse_with_address, delivered_order, operator, now):
    return_request = approved(delivered_order, operator=operator, now=now)

    text = Notification.objects.get(kind="return_approved")

    assert text.phone == delivered_order.member.phone
    assert WAREHOUSE_ADDRESS in text.body and text.body.count(return_request.number) == 2
    assert not Notification.objects.filter(kind="return_updated", body__contains="已同意").exists()


def test_a_dropship_return_goes_to_the_suppliers_address(dropship_order, operator, now):
    supplier = dropship_order.supplier
    supplier.address = SUPPLIER_ADDRESS
    supplier.save()
    return_request = approved(dropship_order, operator=operator, now=now)

    page = logged_in(dropship_order.member.user).get(f"/logistics/returns/{return_request.pk}/").content.decode()
    text = Notification.objects.get(kind="return_approved").body

    assert SUPPLIER_ADDRESS in page and supplier.contact_phone in page and supplier.name in page
    assert SUPPLIER_ADDRESS in text and supplier.contact_phone in text and return_request.number in text
    assert "自有仓" not in page.split('data-testid="send-back-instructions"')[1].split("</section>")[0]


def test_without_a_recorded_address_the_member_is_told_support_will_call_and_staff_are_warned(
    delivered_order, operator, now
):
    return_request = approved(delivered_order, operator=operator, now=now)

    member_page = logged_in(delivered_order.member.user).get(f"/logistics/returns/{return_request.pk}/").content.decode()
    staff_page = logged_in(operator).get(f"/logistics/returns/{return_request.pk}/").content.decode()
    text = Notification.objects.get(kind="return_approved_no_address").body

    assert "客服将联系您告知寄回地址" in member_page and return_request.number in text and "客服" in text
    assert "收货方尚未登记地址" in staff_page


def test_another_members_approved_return_is_not_found(warehouse_with_address, delivered_order, other_member, operator, now):
    return_request = approved(delivered_order, operator=operator, now=now)

    response = logged_in(other_member.user).get(f"/logistics/returns/{return_request.pk}/")

    assert response.status_code == 404 and WAREHOUSE_ADDRESS not in response.content.decode()


def test_the_instructions_go_once_the_goods_are_received(warehouse_with_address, delivered_order, operator, logistics, now):
    return_request = approved(delivered_order, operator=operator, now=now)
    returns.receive_return(return_request=return_request, actor=logistics, now=now)

    page = logged_in(delivered_order.member.user).get(f"/logistics/returns/{return_request.pk}/").content.decode()

    assert 'data-testid="send-back-instructions"' not in page
