"""`manage.py verify_data` finds a past double payment: an approved reconciliation adjustment for a line the platform had
no record of, whose delivery a statement books too (SPEC §4.11: each event claimed by exactly one statement)."""
from datetime import datetime

import pytest

from core.data_checks import data_checks, run_check
from settlement.models import Resolution
from settlement.services.adjustments import approve_adjustment
from settlement.services.reconciliation import resolve_line, upload_reconciliation
from tests.factories import SHANGHAI
from tests.helpers import command_run

pytestmark = pytest.mark.django_db
UPLOADED_AT = datetime(2026, 11, 5, 9, 0, tzinfo=SHANGHAI)
CHECK = "settlement.reconciliation_adjustments_not_booked_twice"


def finding():
    (check,) = [check for check in data_checks() if check.name == CHECK]
    return run_check(check, now=UPLOADED_AT)


@pytest.fixture
def adjusted(issued, supplier_admin, finance, finance_checker):
    """The supplier's file claims a delivery of RO000000009999 we have no record of; finance accepts its figure and the
    adjustment is approved."""
    content = "订单号,SKU,类型,数量,金额\r\nRO000000009999,SKU-LATE,配送,1,80.00".encode()
    reconciliation = upload_reconciliation(statement=issued, file_name="10月对账.csv", content=content, actor=supplier_admin,
                                           now=UPLOADED_AT)
    line = resolve_line(line=reconciliation.lines.get(row=2), resolution=Resolution.ACCEPT_THEIRS, actor=finance, now=UPLOADED_AT)
    return approve_adjustment(adjustment=line.adjustment, actor=finance_checker, now=UPLOADED_AT.replace(hour=11))


def test_an_adjusted_delivery_no_statement_books_is_not_reported(adjusted):
    assert (finding().status, finding().ids) == ("ok", [])


def test_an_adjusted_delivery_a_statement_books_too_is_reported_with_the_adjustment_and_the_statement(adjusted, issued):
    line = issued.lines.order_by("pk").first()
    issued.lines.filter(pk=line.pk).update(order_number="RO000000009999", sku="SKU-LATE")  # the double, made by hand

    found = finding()
    output, status = command_run("verify_data")

    assert (found.status, found.count) == ("failed", 1)
    assert found.ids == [f"{adjusted.number} RO000000009999 SKU-LATE delivery · statement {issued.pk} 2026-10 v1 line {line.pk}"]
    assert status == 1 and adjusted.number in output and CHECK in output


def test_a_proposed_adjustment_or_a_line_of_another_sku_is_not_reported(issued, supplier_admin, finance):
    content = "订单号,SKU,类型,数量,金额\r\nRO000000009999,SKU-LATE,配送,1,80.00".encode()
    reconciliation = upload_reconciliation(statement=issued, file_name="10月对账.csv", content=content, actor=supplier_admin,
                                           now=UPLOADED_AT)
    resolve_line(line=reconciliation.lines.get(row=2), resolution=Resolution.ACCEPT_THEIRS, actor=finance, now=UPLOADED_AT)
    issued.lines.filter(pk=issued.lines.order_by("pk").first().pk).update(order_number="RO000000009999", sku="SKU-OTHER")

    assert finding().ids == []
