"""Where a reconciliation correction is booked (SPEC §4.11): a difference finance accepted from the supplier's file of an
issued statement is answered by that statement's next version once the supplier disputes it, by the statement of the
month it is approved in otherwise; either way exactly once."""
import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from core.errors import ValidationFailed
from settlement.models import Adjustment, Category, Resolution, Section, SourceKind, Statement, StatementLine
from settlement.services import adjustments, generation, statements
from settlement.services.reconciliation import book_corrections_on_dispute, booking_of, resolve_line, upload_reconciliation
from tests.conftest import client_for
from tests.factories import SHANGHAI
from tests.portal import logged_in, page_in, rendered_text, shown
from tests.settlement.conftest import LATER, OCTOBER

pytestmark = pytest.mark.django_db
NOVEMBER = generation.next_month(OCTOBER)
NOVEMBER_RUN = datetime(2026, 12, 1, 2, tzinfo=SHANGHAI)


def file_doubling_the_first_delivery(statement) -> bytes:
    """The supplier's file of the statement's deliveries, its smallest one counted twice (a quantity mismatch worth its
    amount; smallest, as the lines' ids follow no order of the deliveries on PostgreSQL)."""
    rows = ["订单号,SKU,类型,数量,金额"]
    for n, line in enumerate(statement.lines.order_by("amount", "pk")):
        factor = 2 if n == 0 else 1
        rows.append(f"{line.order_number},{line.sku},配送,{line.quantity * factor},{line.amount * factor}")
    return "\r\n".join(rows).encode()


@pytest.fixture
def mismatch(issued, supplier_admin):
    """The quantity mismatch of the supplier's file of the issued October statement (300.00): +100.00 by its figures."""
    reconciliation = upload_reconciliation(statement=issued, file_name="10月对账.csv", content=file_doubling_the_first_delivery(issued),
                                           actor=supplier_admin, now=LATER)
    return reconciliation.lines.get(category=Category.QUANTITY_MISMATCH)


def accept(line, resolution=Resolution.ACCEPT_THEIRS, *, maker, checker=None) -> Adjustment:
    adjustment = resolve_line(line=line, resolution=resolution, actor=maker, now=LATER).adjustment
    if checker is not None:
        adjustments.approve_adjustment(adjustment=adjustment, actor=checker, now=LATER + timedelta(minutes=5))
    adjustment.refresh_from_db()
    return adjustment


def dispute(statement, supplier_admin) -> Statement:
    statements.dispute_statement(statement=statement, actor=supplier_admin, now=LATER + timedelta(hours=1), reason="数量不符")
    statement.refresh_from_db()
    return statement


def bookings(adjustment) -> list[tuple[int, int]]:
    """(statement, version) of every line booking the adjustment."""
    return list(StatementLine.objects.filter(source_kind=SourceKind.ADJUSTMENT, source_id=adjustment.pk).values_list("statement_id", "version"))


def test_a_correction_approved_before_the_dispute_joins_the_next_version_and_the_next_month_does_not_claim_it(
    issued, mismatch, supplier_admin, finance, finance_checker,
):
    correction = accept(mismatch, maker=finance, checker=finance_checker)

    dispute(issued, supplier_admin)
    pending = statements.pending_version(issued)
    generation.generate_now(month=NOVEMBER, actor=finance, now=NOVEMBER_RUN)
    statements.reissue_statement(statement=issued, actor=finance, now=LATER + timedelta(hours=2))

    correction.refresh_from_db()
    issued.refresh_from_db()
    assert correction.statement == issued
    assert (pending["changed"], pending["adjustments"], pending["payable"]) == (True, Decimal("100.00"), Decimal("400.00"))
    assert (issued.version, issued.payable) == (2, Decimal("400.00"))
    assert bookings(correction) == [(issued.pk, 2)]
    assert not StatementLine.objects.filter(statement__month=NOVEMBER, section=Section.ADJUSTMENT).exists()


def test_a_correction_awaiting_approval_at_the_dispute_holds_the_reissue_and_joins_the_next_version_once_approved(
    issued, mismatch, supplier_admin, finance, finance_checker,
):
    correction = accept(mismatch, maker=finance)
    dispute(issued, supplier_admin)

    with pytest.raises(ValidationFailed) as refused:
        statements.reissue_statement(statement=issued, actor=finance, now=LATER + timedelta(hours=2))
    adjustments.approve_adjustment(adjustment=correction, actor=finance_checker, now=LATER + timedelta(hours=2))
    generation.generate_now(month=NOVEMBER, actor=finance, now=NOVEMBER_RUN)
    statements.reissue_statement(statement=issued, actor=finance, now=LATER + timedelta(hours=3))

    issued.refresh_from_db()
    assert refused.value.field == "adjustments"
    assert (issued.version, issued.payable) == (2, Decimal("400.00"))
    assert bookings(correction) == [(issued.pk, 2)]


def test_without_a_dispute_the_correction_is_booked_once_by_the_month_it_was_approved_in(
    issued, mismatch, supplier_admin, finance, finance_checker,
):
    correction = accept(mismatch, maker=finance, checker=finance_checker)
    statements.confirm_statement(statement=issued, actor=supplier_admin, now=LATER + timedelta(hours=1))

    generation.generate_now(month=NOVEMBER, actor=finance, now=NOVEMBER_RUN)
    generation.generate_now(month=NOVEMBER, actor=finance, now=NOVEMBER_RUN + timedelta(hours=1))

    november = Statement.objects.get(supplier=issued.supplier, month=NOVEMBER)
    correction.refresh_from_db()
    assert correction.statement is None
    assert bookings(correction) == [(november.pk, 1)]
    assert november.payable == Decimal("100.00")


def test_a_correction_the_next_month_booked_already_stays_there_when_the_statement_is_disputed_later(
    issued, mismatch, supplier_admin, finance, finance_checker,
):
    correction = accept(mismatch, maker=finance, checker=finance_checker)
    generation.generate_now(month=NOVEMBER, actor=finance, now=NOVEMBER_RUN)
    november = Statement.objects.get(supplier=issued.supplier, month=NOVEMBER)

    dispute(issued, supplier_admin)

    correction.refresh_from_db()
    assert correction.statement is None
    assert bookings(correction) == [(november.pk, 1)]
    assert statements.pending_version(issued)["changed"] is False


def test_a_correction_carried_to_the_next_statement_stays_for_the_next_month_after_a_dispute(
    issued, mismatch, supplier_admin, finance, finance_checker,
):
    carried = accept(mismatch, Resolution.CARRY_FORWARD, maker=finance, checker=finance_checker)

    dispute(issued, supplier_admin)
    generation.generate_now(month=NOVEMBER, actor=finance, now=NOVEMBER_RUN)

    carried.refresh_from_db()
    assert carried.statement is None
    assert bookings(carried) == [(Statement.objects.get(supplier=issued.supplier, month=NOVEMBER).pk, 1)]
    assert statements.pending_version(issued)["changed"] is False


def test_a_rejected_correction_is_not_taken_by_the_dispute(issued, mismatch, supplier_admin, finance, finance_checker):
    correction = accept(mismatch, maker=finance)
    adjustments.reject_adjustment(adjustment=correction, actor=finance_checker, now=LATER, note="数量以签收为准")

    moved = book_corrections_on_dispute(dispute(issued, supplier_admin))

    correction.refresh_from_db()
    assert (moved, correction.statement, bookings(correction)) == ([], None, [])


def test_where_a_resolution_books_its_adjustment_is_said_for_the_statement_as_it_stands(issued, supplier_admin):
    on_issued = booking_of(issued)
    on_disputed = booking_of(dispute(issued, supplier_admin))

    assert "审批当月" in on_issued[Resolution.ACCEPT_THEIRS] and "提出异议，则改计入本结算单第 2 版" in on_issued[Resolution.ACCEPT_THEIRS]
    assert "本结算单第 2 版" in on_disputed[Resolution.ACCEPT_THEIRS] and "审批当月" not in on_disputed[Resolution.ACCEPT_THEIRS]
    assert on_issued[Resolution.CARRY_FORWARD] == on_disputed[Resolution.CARRY_FORWARD] and "审批当月" in on_disputed[Resolution.CARRY_FORWARD]


def test_the_pages_say_where_a_correction_is_booked_before_and_after_the_dispute(issued, mismatch, supplier_admin, finance):
    client = logged_in(finance)

    before = client.get(f"/settlement/reconciliations/{mismatch.reconciliation_id}/")
    resolved = client.post(f"/settlement/reconciliations/lines/{mismatch.pk}/resolve/", {"resolution": "accept_theirs"}, follow=True)
    correction = Adjustment.objects.get()
    proposed = client.get(f"/settlement/adjustments/{correction.pk}/")
    dispute(issued, supplier_admin)
    disputed = client.get(f"/settlement/adjustments/{correction.pk}/")

    assert "若礼品商对本版提出异议，则改计入本结算单第 2 版" in shown(before, "booking")
    assert f"调账 {correction.number} 审批后计入审批当月的结算单" in rendered_text(resolved)
    assert " ".join(rendered_text(proposed).split()).count("审批后计入审批当月的结算单；若 所对账的结算单 被提出异议，则改计入其下一版本") == 1
    assert shown(disputed, "books-on") == "审批后计入该结算单第 2 版"


def test_each_resolutions_booking_is_named_with_the_readers_colon(mismatch, finance):
    url = f"/settlement/reconciliations/{mismatch.reconciliation_id}/"
    english, chinese = (re.search(r'data-testid="booking">(.*?)</p>', page_in(finance, url, language), re.S)[1] for language in ("en", "zh-hans"))

    assert "：" not in english and english.count(": ") == english.count("<br>") + 1
    assert chinese.count("：") == chinese.count("<br>") + 1


def books_on(page) -> str:
    """What an adjustment's page says of where it will be booked, its links as their text."""
    return re.sub(r"<[^>]+>", "", re.search(r'data-testid="books-on">(.*?)</small>', page.content.decode(), re.S)[1])


def test_the_api_says_where_a_correction_is_booked_as_its_page_does_before_and_after_the_dispute(issued, mismatch, supplier_admin,
                                                                                                 finance):
    correction = accept(mismatch, maker=finance)
    url = f"/api/v1/adjustments/{correction.pk}/"

    proposed, proposed_page = client_for(finance).get(url).json(), logged_in(finance).get(f"/settlement/adjustments/{correction.pk}/")
    in_english = client_for(finance).get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    dispute(issued, supplier_admin)
    disputed, disputed_page = client_for(finance).get(url).json(), logged_in(finance).get(f"/settlement/adjustments/{correction.pk}/")

    assert (proposed["booking"], proposed["booked_statement"], proposed["joins_if_disputed"]) == ("approval_month", None, issued.pk)
    assert proposed["booking_label"] == "审批后计入审批当月的结算单；若所对账的结算单被提出异议，则改计入其下一版本"
    assert books_on(proposed_page) == proposed["booking_label"]  # the page's words, its link aside
    assert in_english["booking_label"] == ("booked, once approved, on the statement of the month it is approved in; if the "
                                           "reconciled statement is disputed, on its next version instead")
    assert (disputed["booking"], disputed["statement"], disputed["joins_if_disputed"]) == ("next_version", issued.pk, None)
    assert disputed["booking_label"] == books_on(disputed_page) == "审批后计入该结算单第 2 版"


def test_approving_a_dispute_answer_through_the_api_answers_where_it_is_now_booked(issued, mismatch, supplier_admin, finance,
                                                                                  finance_checker):
    correction = accept(mismatch, maker=finance)
    dispute(issued, supplier_admin)

    approved = client_for(finance_checker).post(f"/api/v1/adjustments/{correction.pk}/approve/", {}).json()

    assert (approved["state"], approved["booking"], approved["booked_statement"]) == ("approved", "booked", issued.pk)
    assert bookings(correction) == [(issued.pk, 2)]


# --- what a reissue holds back or leaves behind, said before it is taken ----------------------------------------------

def test_a_dispute_adjustment_awaiting_its_checker_is_shown_as_what_holds_the_reissue_before_any_click(
    issued, supplier_admin, finance, finance_checker,
):
    dispute(issued, supplier_admin)
    waiting = adjustments.propose_adjustment(supplier=issued.supplier, kind="dispute", amount="-20.00", reason="少算破损",
                                             statement=issued, actor=finance, now=LATER + timedelta(hours=2))
    page = f"/settlement/statements/{issued.pk}/"

    held = logged_in(finance).get(page)
    adjustments.approve_adjustment(adjustment=waiting, actor=finance_checker, now=LATER + timedelta(hours=3))
    free = logged_in(finance).get(page)

    assert "还有 1 笔异议调账待审批" in shown(held, "reissue-blocked")
    assert 'data-action="reissue"' not in held.content.decode() and "pending-unchanged" not in held.content.decode()
    assert 'data-action="reissue"' in free.content.decode() and 'data-testid="reissue-blocked"' not in free.content.decode()


def test_reissuing_with_open_reconciliation_lines_says_beforehand_that_their_file_goes_out_of_date(
    issued, mismatch, supplier_admin, finance,
):
    dispute(issued, supplier_admin)
    page = f"/settlement/statements/{issued.pk}/"

    warned = logged_in(finance).get(page)
    resolve_line(line=mismatch, resolution=Resolution.ACCEPT_OURS, actor=finance, now=LATER + timedelta(hours=2), note="以签收为准")
    settled = logged_in(finance).get(page)

    reconciliation_link = f'href="/settlement/reconciliations/{mismatch.reconciliation_id}/"'
    warning = warned.content.decode().split('data-testid="superseded-on-reissue"', 1)[1].split("</p>", 1)[0]
    reissue_button = warned.content.decode().split('data-action="reissue"', 1)[1].split(">", 1)[0]
    assert reconciliation_link in warning and "10月对账.csv" in warning and "1 条差异未处理" in warning
    assert "10月对账.csv" in reissue_button and "已过期" in reissue_button
    assert 'data-testid="superseded-on-reissue"' not in settled.content.decode()
    assert "10月对账.csv" not in settled.content.decode().split('data-action="reissue"', 1)[1].split(">", 1)[0]
