"""`manage.py verify_data` finds a past double payment: an approved reconciliation adjustment for a line the platform had
no record of, whose delivery a statement books too, or for a line whose key had an event recorded between the upload and
the resolution (SPEC §4.11: each event claimed by exactly one statement)."""
from datetime import date, datetime

import pytest

from core.data_checks import data_checks, run_check
from settlement.models import Resolution, SourceKind, StatementLine
from settlement.services import generation
from settlement.services.adjustments import approve_adjustment
from settlement.services.reconciliation import resolve_line, upload_reconciliation
from tests.factories import SHANGHAI
from tests.helpers import command_run
from tests.settlement import test_reconciliation_partial_later as partial
from tests.settlement.test_reconciliation_partial_later import returned_twice  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
UPLOADED_AT = datetime(2026, 11, 5, 9, 0, tzinfo=SHANGHAI)
CHECK = "settlement.reconciliation_adjustments_not_booked_twice"
RESOLVED_AT = datetime(2026, 12, 6, 9, 0, tzinfo=SHANGHAI)


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


def mismatch_adjusted(statement, order, supplier_admin, finance, finance_checker):
    """The supplier's October file nets two returns of `order` off (−200.00) where October books one; finance accepted its
    figure on 6 December (−100.00) and the adjustment was approved."""
    line = partial.upload(statement, supplier_admin, order, -2, "-200.00")
    resolved = resolve_line(line=line, resolution=Resolution.ACCEPT_THEIRS, actor=finance, now=RESOLVED_AT)
    return approve_adjustment(adjustment=resolved.adjustment, actor=finance_checker, now=RESOLVED_AT.replace(hour=11))


@pytest.mark.parametrize(("closed_at", "reported"), [(partial.UPLOADED_AT.replace(hour=12), True), (RESOLVED_AT.replace(day=8), False)])
def test_a_mismatch_adjusted_after_a_return_of_its_key_was_recorded_is_reported_once_a_statement_books_that_return(
    returned_twice, supplier_admin, finance, finance_checker, closed_at, reported,  # noqa: F811
):
    statement, order = returned_twice
    adjusted = mismatch_adjusted(statement, order, supplier_admin, finance, finance_checker)
    later = partial.closed_return(order, "RR000000000002", closed_at)  # recorded before the resolution: the old double
    generation.generate_now(month=date(2026, 12, 1), actor=finance, now=datetime(2027, 1, 1, 2, 0, tzinfo=SHANGHAI))

    booked = StatementLine.objects.get(source_kind=SourceKind.RETURN, source_id=later.pk)
    found = finding()

    expected = [f"{adjusted.number} {order.number} {order.gift.sku} return · statement {booked.statement_id} 2026-12 v1 line {booked.pk}"]
    assert found.ids == (expected if reported else [])
