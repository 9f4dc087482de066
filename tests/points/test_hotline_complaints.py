"""An operator records a caller's complaint (客服热线代录): by the order number alone the member is the order's, a member
calling from another phone is recorded with that phone as the caller's, and the order and member pages link the form
filled in."""
import pytest
from django.urls import reverse

from core.errors import ValidationFailed
from core.masking import mask_phone
from points.models import Complaint
from points.services import complaints, orders
from tests.factories import ADDRESS, renumbered
from tests.helpers import fresh_key
from tests.portal import field_errors, form_values, logged_in

pytestmark = pytest.mark.django_db
CALLER = {"contact_name": "李女士", "contact_phone": "13911112222"}  # not the member's phone


@pytest.fixture
def members_order(rich_member, listed_gift, now):
    return renumbered(orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS))


def test_a_hotline_complaint_naming_an_order_alone_is_about_the_orders_member(operator, members_order, now):
    complaint = complaints.open_complaint(actor=operator, now=now, order=members_order, title="未发货", description="来电催发货")

    assert (complaint.channel, complaint.member, complaint.gift, complaint.supplier_id) == (
        "hotline", members_order.member, members_order.gift, members_order.supplier_id)


def test_a_member_calling_from_another_phone_is_recorded_with_the_callers_phone(operator, members_order, now):
    complaint = complaints.open_complaint(actor=operator, now=now, order=members_order, member=members_order.member,
                                          title="未发货", description="用家人手机来电", **CALLER)

    assert (complaint.member, complaint.contact_name, complaint.contact_phone) == (members_order.member, "李女士", "13911112222")
    assert complaint.member.phone != complaint.contact_phone


def test_a_hotline_complaint_naming_another_members_order_is_refused_in_the_operators_words_and_records_nothing(
        operator, members_order, other_member, now):
    with pytest.raises(ValidationFailed) as refused:
        complaints.open_complaint(actor=operator, now=now, order=members_order, member=other_member, title="x", description="y")

    assert (refused.value.field, refused.value.detail) == ("order", "该订单不属于所指定的会员")
    assert not Complaint.objects.exists()


def test_a_member_still_may_not_complain_about_another_members_order(members_order, other_member, now):
    with pytest.raises(ValidationFailed) as refused:
        complaints.open_complaint(actor=other_member.user, now=now, order=members_order, title="x", description="y")

    assert (refused.value.field, refused.value.detail) == ("order", "只能投诉本人的订单")
    assert not Complaint.objects.exists()


def test_over_the_api_an_operator_opens_a_complaint_by_the_order_alone_and_another_members_is_refused(
        api, operator, members_order, other_member):
    by_order = api(operator).post("/api/v1/complaints/", {"title": "未发货", "description": "来电", "order": members_order.pk, **CALLER},
                                  format="json", **fresh_key())
    mismatched = api(operator).post("/api/v1/complaints/", {"title": "x", "description": "y", "order": members_order.pk,
                                                            "member": other_member.pk}, format="json", **fresh_key())

    assert by_order.status_code == 201 and by_order.json()["member"] == members_order.member_id
    assert mismatched.status_code == 400 and mismatched.json()["errors"][0]["attr"] == "order"
    assert "本人" not in mismatched.json()["errors"][0]["detail"]
    assert Complaint.objects.count() == 1


def test_over_the_api_a_member_naming_another_members_order_is_404(api, members_order, other_member):
    response = api(other_member.user).post("/api/v1/complaints/", {"title": "x", "description": "y", "order": members_order.pk},
                                           format="json", **fresh_key())

    assert response.status_code == 404 and not Complaint.objects.exists()


def test_the_hotline_form_records_a_call_by_the_order_number_alone_from_another_phone(operator, members_order):
    body = {"order_number": members_order.number, **CALLER, "title": "未发货", "description": "来电", "token": "o1"}

    response = logged_in(operator).post(reverse("complaint-hotline"), body)

    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert (complaint.member, complaint.order, complaint.contact_phone) == (members_order.member, members_order, "13911112222")


def test_the_hotline_form_naming_another_members_phone_with_the_order_shows_the_operators_words(operator, members_order, other_member):
    body = {"member_phone": other_member.phone, "order_number": members_order.number, "title": "x", "description": "y", "token": "o2"}

    response = logged_in(operator).post(reverse("complaint-hotline"), body)

    assert field_errors(response) == {"order_number": "该订单不属于所指定的会员"}
    assert "只能投诉本人的订单" not in response.content.decode() and not Complaint.objects.exists()


def test_the_order_pages_link_fills_in_the_order_number(operator, members_order):
    client = logged_in(operator)
    order_page = client.get(reverse("operator-order", args=[members_order.pk])).content.decode()
    form = client.get(reverse("complaint-hotline"), {"order": members_order.number.lower()})

    assert f'href="{reverse("complaint-hotline")}?order={members_order.number}" data-testid="order-hotline"' in order_page
    assert form_values(form, "hotline-form")["order_number"] == members_order.number


def test_the_member_pages_link_names_the_member_masked_and_records_the_call_for_it(operator, rich_member, listed_gift):
    client = logged_in(operator)
    member_page = client.get(reverse("operator-member", args=[rich_member.pk])).content.decode()
    form = client.get(reverse("complaint-hotline"), {"member": rich_member.pk})
    values = form_values(form, "hotline-form") | {"gift": listed_gift.pk, "title": "电话投诉", "description": "破损", **CALLER}

    response = client.post(reverse("complaint-hotline"), values)

    assert f'href="{reverse("complaint-hotline")}?member={rich_member.pk}" data-testid="member-hotline"' in member_page
    shown = form.content.decode().split('data-testid="hotline-member"', 1)[1].split("</p>", 1)[0]
    assert mask_phone(rich_member.phone) in shown and rich_member.phone not in form.content.decode()
    assert response.status_code == 302 and Complaint.objects.get().member == rich_member


@pytest.mark.parametrize("params", [{"member": "abc"}, {"member": "999999"}, {"order": "<b>RO</b>" + "9" * 60}])
def test_a_hotline_link_naming_no_member_or_a_garbled_order_opens_an_empty_form_naming_no_member(operator, rich_member, params):
    form = logged_in(operator).get(reverse("complaint-hotline"), params)

    page = form.content.decode()
    assert form.status_code == 200 and 'data-testid="hotline-member"' not in page and "<b>RO</b>" not in page
    assert len(form_values(form, "hotline-form").get("order_number", "")) <= 40
    assert not Complaint.objects.exists()


def test_the_order_page_offers_the_hotline_form_to_operators_only(logistics, members_order):
    page = logged_in(logistics).get(reverse("operator-order", args=[members_order.pk])).content.decode()

    assert 'data-testid="order-hotline"' not in page and reverse("complaint-hotline") not in page
