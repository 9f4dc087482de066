"""A reconciliation's summary shows each category's amounts signed and gross: a delivery of +180.00 and a return of
-180.00 in one category net to 0.00, which alone would hide 360.00 of lines to look at."""
import re

import pytest

from settlement.services import reconciliation
from tests.portal import logged_in
from tests.settlement.conftest import LATER

pytestmark = pytest.mark.django_db
OFFSETTING = "订单号,SKU,类型,数量,金额\nRO-X,SKU-X,配送,1,180.00\nRO-X,SKU-X,退货,-1,-180.00\n".encode()


@pytest.fixture
def offsetting(issued, supplier_admin):
    """Two lines we never booked, one either way."""
    return reconciliation.upload_reconciliation(statement=issued, file_name="ours.csv", content=OFFSETTING, actor=supplier_admin, now=LATER)


def test_the_summary_keeps_the_gross_of_lines_that_net_to_nothing(offsetting):
    assert offsetting.summary["missing_in_ours"] == {"count": 2, "ours": "0.00", "theirs": "0.00", "ours_gross": "0.00",
                                                    "theirs_gross": "360.00"}


def test_the_page_shows_each_categorys_gross_amounts(offsetting, finance):
    page = logged_in(finance).get(f"/settlement/reconciliations/{offsetting.pk}/").content.decode()

    row = re.search(r'<tr data-category="missing_in_ours">.*?</tr>', page, re.S).group(0)
    assert re.search(r'data-testid="theirs-gross">¥360.00<', row)
    assert "礼品商金额（不计正负）" in page


def test_the_api_gives_each_categorys_gross_amounts(offsetting, finance, api):
    body = api(finance).get(f"/api/v1/reconciliations/{offsetting.pk}/").json()

    assert body["summary"]["missing_in_ours"]["theirs_gross"] == "360.00"
    assert body["summary"]["missing_in_ours"]["theirs"] == "0.00"


def test_the_api_reads_a_summary_stored_without_gross_amounts_as_none(offsetting, finance, api):
    offsetting.summary["missing_in_ours"] = {"count": 2, "ours": "0.00", "theirs": "0.00"}
    offsetting.save(update_fields=["summary"])

    response = api(finance).get(f"/api/v1/reconciliations/{offsetting.pk}/")

    assert response.status_code == 200
    assert response.json()["summary"]["missing_in_ours"] == {"count": 2, "ours": "0.00", "theirs": "0.00", "ours_gross": "0.00",
                                                             "theirs_gross": "0.00"}
