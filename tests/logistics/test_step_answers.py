"""A step's answer (POST /api/v1/<collection>/<id>/<step>/) is the object as its own GET gives it to the same caller:
the same fields with the same values, a contact whole or masked alike — orders, shipments, complaints, returns."""
from datetime import timedelta

import pytest

from logistics.models import Shipment
from points.models import RedemptionOrder
from points.services import complaints, orders
from tests.factories import ADDRESS
from tests.helpers import answered_as_read

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_at_now")]


def test_a_member_cancelling_its_order_reads_it_as_its_page_does(api, confirmed_order, rich_member):
    answer, read = answered_as_read(api(rich_member.user), f"/api/v1/orders/{confirmed_order.pk}/", "cancel", {"reason": "不要了"})

    assert answer == read and answer["state"] == "cancelled" and answer["recipient_phone"] == ADDRESS["recipient_phone"]


def test_an_operator_cancelling_an_order_reads_it_as_its_page_does_the_contact_masked(api, confirmed_order, operator):
    answer, read = answered_as_read(api(operator), f"/api/v1/orders/{confirmed_order.pk}/", "cancel", {"reason": "缺货"})

    assert answer == read and answer["recipient_phone"] != ADDRESS["recipient_phone"]


def test_an_operator_cancelling_a_handed_over_order_reads_it_as_its_page_does(api, handed_over, operator):
    url = f"/api/v1/orders/{handed_over.order_id}/"

    answer, read = answered_as_read(api(operator), url, "cancel-before-picking", {"reason": "地址停运"})

    assert answer == read and answer["state"] == RedemptionOrder.State.CANCELLED


def test_a_member_asking_a_new_code_reads_its_order_as_its_page_does(api, rich_member, listed_gift, now, time_machine):
    pending = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=8, now=now, **ADDRESS)
    assert pending.state == RedemptionOrder.State.AWAITING_CONFIRMATION, "the order needs a code"
    time_machine.move_to(now + timedelta(minutes=2), tick=False)

    answer, read = answered_as_read(api(rich_member.user), f"/api/v1/orders/{pending.pk}/", "resend-code", {})

    assert answer == read


def test_logistics_picking_a_shipment_reads_it_as_its_page_does_the_recipient_whole(api, handed_over, logistics):
    answer, read = answered_as_read(api(logistics), f"/api/v1/shipments/{handed_over.pk}/", "pick", {})

    assert answer == read and answer["state"] == Shipment.State.PICKED


def test_a_dropship_supplier_answering_a_complaint_about_its_order_reads_the_contact_as_its_page_does(
        api, dropship_order, operator, supplier_staff, now):
    complaint = complaints.open_complaint(actor=dropship_order.member.user, now=now, order=dropship_order, title="少一件",
                                          description="收到的比订的少")
    complaints.triage_complaint(complaint=complaint, actor=operator, now=now, responsible="supplier")

    answer, read = answered_as_read(api(supplier_staff), f"/api/v1/complaints/{complaint.pk}/", "respond", {"response": "已补发"})

    assert answer == read and answer["member_phone"] == ADDRESS["recipient_phone"]


def test_an_operator_triaging_a_complaint_reads_it_as_its_page_does(api, dropship_order, operator, now):
    complaint = complaints.open_complaint(actor=dropship_order.member.user, now=now, order=dropship_order, title="少一件",
                                          description="收到的比订的少")

    answer, read = answered_as_read(api(operator), f"/api/v1/complaints/{complaint.pk}/", "triage", {"responsible": "supplier"})

    assert answer == read and answer["member_phone"] != ADDRESS["recipient_phone"]


def test_logistics_receiving_a_return_reads_it_as_its_page_does(api, delivered_order, operator, logistics, now):
    from tests.logistics.builders import request as ask_return

    asked = ask_return(delivered_order, now=now, reason="defective", remedy="refund")
    approved = api(operator).post(f"/api/v1/returns/{asked.pk}/approve/", {}, format="json")
    assert approved.status_code == 200, approved.content

    answer, read = answered_as_read(api(logistics), f"/api/v1/returns/{asked.pk}/", "receive", {})

    assert answer == read and answer["state"] == "received"
