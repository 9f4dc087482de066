"""What a return's pages say of its parcels and costs to any reader: the extra costs under named columns, and a failure
reason the system wrote (a lost parcel) in the reader's language, as on the shipment's own page."""
import re

import pytest

from logistics.services import costs
from tests.portal import page_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_at_now")]


def test_a_returns_extra_costs_are_listed_under_kind_payer_and_amount(exchanged, logistics, now):
    costs.record_extra_cost(kind="return_freight", payer="supplier", supplier=exchanged.order.supplier, order=exchanged.order,
                            return_request=exchanged, description="", actor=logistics, now=now)

    chinese = page_in(logistics, f"/logistics/returns/{exchanged.pk}/", "zh-hans")
    english = page_in(logistics, f"/logistics/returns/{exchanged.pk}/", "en")

    table = r'data-testid="return-costs">\s*<thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>'
    assert re.search(table.format("费用类型", "承担方", "金额"), chinese)
    assert re.search(table.format("Cost type", "Paid by", "Amount"), english)


def test_a_lost_replacements_reason_reads_in_the_readers_language_on_the_return_and_the_list(lost, exchanged, logistics):
    detail = page_in(logistics, f"/logistics/returns/{exchanged.pk}/", "en")
    listed = page_in(logistics, "/logistics/returns/", "en")

    assert re.search(r'data-testid="replacement-failure">[^<]*Lost parcel</span>', detail)
    assert "包裹丢失" not in detail and "包裹丢失" not in listed
    assert re.search(r'data-testid="replacement-failed">.*?<small>[^<]*Lost parcel</small>', listed, re.S)
    assert "包裹丢失" in page_in(logistics, f"/logistics/returns/{exchanged.pk}/", "zh-hans")
