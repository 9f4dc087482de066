"""A create form sent again with other values (back, changed, sent: the same page token) creates nothing more: the page
comes back 409 saying what the form created then (core.pages.create_with_form, form_status)."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from logistics.models import ExtraCost, InboundShipment
from points.models import Complaint
from points.services import orders
from settlement.models import Kpi, PenaltyRule, RectificationCase
from suppliers.models import Announcement
from suppliers.services import inventory
from tests.factories import ADDRESS, GiftFactory, WarehouseFactory
from tests.helpers import published
from tests.portal import logged_in

pytestmark = pytest.mark.django_db


def penalty_rule(request):
    body = {"kpi": Kpi.DEFECT_RATE, "threshold": "0.08", "deduction": "800", "description": "质量退货率高于8%", "reason": "质量退货偏多"}
    return "operator", reverse("settlement-penalty-rules"), body, {"deduction": "900"}, PenaltyRule.objects.filter(description=body["description"])


def case(request):
    body = {"supplier": request.getfixturevalue("supplier").pk, "kind": "warning", "reason": "包装破损投诉", "deadline": "2099-01-01"}
    return "operator", reverse("settlement-cases"), body, {"reason": "发货超时"}, RectificationCase.objects


def hotline_complaint(request):
    body = {"member_phone": request.getfixturevalue("member").phone, "title": "电话投诉", "description": "破损"}
    return "operator", reverse("complaint-hotline"), body, {"description": "少件"}, Complaint.objects


def extra_cost(request):
    request.getfixturevalue("rich_member")  # points enough for the order the cost is recorded on
    order = orders.place_order(member=request.getfixturevalue("member"), gift_id=request.getfixturevalue("listed_gift").pk, quantity=1,
                               now=request.getfixturevalue("now"), **ADDRESS)
    body = {"kind": "handling", "payer": "supplier", "order_number": order.number, "quantity": 1, "description": "装卸"}
    return "logistics", reverse("logistics-extra-cost-create"), body, {"description": "二次装卸"}, ExtraCost.objects


def inbound_announcement(request):
    supplier, warehouse, now = request.getfixturevalue("supplier"), WarehouseFactory(code="WH-RESENT"), request.getfixturevalue("now")
    gift = published(GiftFactory(supplier=supplier), actor=request.getfixturevalue("operator"), at=now)
    inventory.receive_stock(gift=gift, location=warehouse, quantity=20, at=now)
    body = {"gift": gift.pk, "location": warehouse.pk, "quantity": 30, "expected_on": timezone.localdate() + timedelta(days=2)}
    return "supplier_staff", reverse("supplier-inbound"), body, {"quantity": 40}, InboundShipment.objects


def announcement(request):
    body = {"kind": "announcement", "title": "春节发货安排", "body": "春节期间暂停发货", "to_all": "on"}
    return "operator", reverse("operator-announcement-new"), body, {"body": "春节期间照常发货"}, Announcement.objects


@pytest.mark.parametrize("form", [penalty_rule, case, hotline_complaint, extra_cost, inbound_announcement, announcement],
                         ids=lambda form: form.__name__)
def test_a_create_form_sent_again_with_other_values_is_409_says_what_it_created_and_creates_nothing_more(request, form):
    user, url, body, changed, created = form(request)
    client = logged_in(request.getfixturevalue(user))

    first = client.post(url, body | {"token": "resent"})
    again = client.post(url, body | changed | {"token": "resent"})

    assert first.status_code == 302, first.content.decode()
    assert again.status_code == 409 and "未再创建" in again.content.decode()
    assert created.count() == 1
