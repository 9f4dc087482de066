"""Logistics staff's goods-flow pages as they work them: every input of an action form visibly labelled (not a row
of bare boxes), the inbound list found by warehouse and expected date, the stock page offering a safety-stock form
only where logistics may set it, and picking straight from the shipments list."""
import re

import pytest

from tests.helpers import picked_and_shipped
from tests.portal import page_in

pytestmark = pytest.mark.django_db


def visibly_labelled(page: str, label: str) -> bool:
    """Whether `label` names an input of the page as text a sighted reader sees, not for screen readers only."""
    return re.search(rf"<label(?: for=\"[^\"]*\")?>{re.escape(label)} <(input|select|textarea)\b", page) is not None


# action forms: each input with its visible label

@pytest.mark.parametrize("url", ["/logistics/inbound/", "/logistics/inbound/{pk}/"])
def test_the_receipt_form_labels_its_damaged_and_extra_quantities_visibly(logistics, announced, url):
    page = page_in(logistics, url.format(pk=announced.pk), "zh-hans")

    assert all(visibly_labelled(page, label) for label in ("实收数量", "破损数量", "多到数量", "备注"))
    assert '<span class="sr-only">破损数量</span>' not in page


def test_the_receipt_form_labels_its_quantities_in_english(logistics, announced):
    page = page_in(logistics, "/logistics/inbound/", "en")

    assert visibly_labelled(page, "Damaged quantity") and visibly_labelled(page, "Extra units")


def test_the_inspection_form_labels_its_refund_instead_of_exchange_box_visibly(logistics, exchange):
    page = page_in(logistics, f"/logistics/returns/{exchange.pk}/", "zh-hans")

    assert visibly_labelled(page, "换货无库存时改为退积分") and visibly_labelled(page, "检验结论")


def test_the_delivery_form_labels_the_signer_and_the_signing_time_visibly(logistics, warehouse_shipment, now):
    picked_and_shipped(shipment=warehouse_shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF-LABEL")

    page = page_in(logistics, f"/logistics/shipments/{warehouse_shipment.pk}/", "zh-hans")

    assert visibly_labelled(page, "签收人") and visibly_labelled(page, "签收时间（默认现在）")
