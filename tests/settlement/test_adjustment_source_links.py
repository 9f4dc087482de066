"""A checker opens what an adjustment is based on (SPEC §4.11: an adjustment refers to any source): the adjustment pages
link each source to its page, and the reconciliation and penalty pages link each adjustment number, for the viewer's
role; a supplier's users get links to their own pages only, a source with no page for them stays text."""
import re
from datetime import date, datetime
from decimal import Decimal

import pytest

from logistics.models import LogisticsClaim, ReturnRequest
from settlement.models import Adjustment, Category, PenaltyProposal, Resolution
from settlement.services import adjustments
from settlement.services.assessment import compute_month
from settlement.services.reconciliation import resolve_line, upload_reconciliation
from tests.factories import SHANGHAI
from tests.portal import logged_in
from tests.settlement.conftest import LATER
from tests.settlement.kpi_facts import complaint, order, returned, t

pytestmark = pytest.mark.django_db
NOVEMBER_20 = datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI)


def approved(supplier, finance, checker, kind: str, reference: str) -> Adjustment:
    adjustment = adjustments.propose_adjustment(supplier=supplier, kind="other", amount="-5.00", reason="核对", source_kind=kind,
                                                source_id=reference, actor=finance, now=LATER)
    return adjustments.approve_adjustment(adjustment=adjustment, actor=checker, now=LATER)


def file_of(statement, *rows: str) -> bytes:
    """The supplier's file: our first delivery line as we booked it, then `rows`."""
    first = statement.lines.order_by("pk").first()
    return "\r\n".join(["订单号,SKU,类型,数量,金额", f"{first.order_number},{first.sku},配送,{first.quantity},{first.amount}", *rows]).encode()


def source_cells(page: str) -> dict[str, str]:
    """{adjustment number: its 来源 cell's HTML} of an adjustments table."""
    rows = re.findall(r'<tr data-number="([^"]+)">(.*?)</tr>', page, re.S)
    return {number: re.search(r'<td data-testid="source">(.*?)</td>', row, re.S).group(1) for number, row in rows}


def source_link(cell: str) -> str | None:
    match = re.search(r'<a href="([^"]+)" data-testid="source-link">', cell)
    return match.group(1).replace("&amp;", "&") if match else None


@pytest.fixture
def sourced(issued, supplier, supplier_admin, finance, finance_checker):
    """The issued October statement's supplier with an approved adjustment from each kind of source a page shows:
    {kind: adjustment}."""
    delivered = issued.supplier.orders.order_by("pk").first()
    reconciliation = upload_reconciliation(statement=issued, file_name="10月.csv", content=file_of(issued),
                                           actor=supplier_admin, now=LATER)
    claim = LogisticsClaim.objects.create(order=delivered, cause=LogisticsClaim.Cause.LOST_PARCEL, quantity=1,
                                          amount=Decimal("100.00"), opened_at=LATER)
    return_request = ReturnRequest.objects.create(
        number="RR000000000009", order=delivered, supplier=supplier, quantity=1, reason=ReturnRequest.Reason.DEFECTIVE,
        requested_at=LATER, state=ReturnRequest.State.REQUESTED)
    references = {"order": delivered.number, "statement": str(issued.pk), "reconciliation": str(reconciliation.pk),
                  "claim": f"#{claim.pk}", "return": return_request.number, "other": ""}
    return {kind: approved(supplier, finance, finance_checker, kind, reference) for kind, reference in references.items()}


def test_finance_opens_every_source_of_the_adjustments_list_and_of_an_adjustment_s_page(sourced, finance_checker):
    client = logged_in(finance_checker)

    cells = source_cells(client.get("/settlement/adjustments/").content.decode())
    detail = source_cells(client.get(f"/settlement/adjustments/{sourced['claim'].pk}/").content.decode())

    links = {kind: source_link(cells[adjustment.number]) for kind, adjustment in sourced.items()}
    assert links["other"] is None and "其他" in cells[sourced["other"].number]
    assert links["statement"] == f"/settlement/statements/{sourced['statement'].source_id}/"
    assert links["reconciliation"] == f"/settlement/reconciliations/{sourced['reconciliation'].source_id}/"
    assert links["claim"] == f"/logistics/claims/{sourced['claim'].source_id[1:]}/"
    assert links["order"].startswith("/member/order-admin/") and links["return"].startswith("/logistics/returns/")
    assert all(client.get(url).status_code == 200 for kind, url in links.items() if url)
    assert source_link(detail[sourced["claim"].number]) == links["claim"]
    assert ">物流索赔 #" in detail[sourced["claim"].number]


def test_a_supplier_s_user_gets_links_to_its_own_pages_only_and_the_staff_s_claim_as_text(sourced, supplier_admin):
    client = logged_in(supplier_admin)

    cells = source_cells(client.get("/settlement/adjustments/").content.decode())

    links = {kind: source_link(cells[adjustment.number]) for kind, adjustment in sourced.items()}
    assert links["claim"] is None and f"物流索赔 {sourced['claim'].source_id}" in cells[sourced["claim"].number]
    assert links["order"] == f"/logistics/orders/?q={sourced['order'].source_id}"
    assert links["statement"] == f"/settlement/statements/{sourced['statement'].source_id}/"
    assert not any("/order-admin/" in url or "/logistics/claims/" in url for url in links.values() if url)
    assert all(client.get(url).status_code == 200 for kind, url in links.items() if url)


def test_a_reconciliation_line_s_adjustment_number_opens_the_adjustment_for_finance_and_once_approved_for_the_supplier(
    issued, supplier_admin, finance, finance_checker,
):
    reconciliation = upload_reconciliation(statement=issued, file_name="10月.csv", content=file_of(issued, "RO-NONE,SKU-X,配送,1,10.00"),
                                           actor=supplier_admin, now=LATER)
    line = reconciliation.lines.get(category=Category.MISSING_IN_OURS)
    adjustment = resolve_line(line=line, resolution=Resolution.ACCEPT_THEIRS, actor=finance, now=LATER).adjustment
    url = f"/settlement/reconciliations/{reconciliation.pk}/"
    proposed_seen_by_supplier = logged_in(supplier_admin).get(url).content.decode()
    adjustments.approve_adjustment(adjustment=adjustment, actor=finance_checker, now=LATER)

    pages = {user: logged_in(user).get(url).content.decode() for user in (finance, supplier_admin)}

    for user, page in pages.items():
        assert f'<a href="/settlement/adjustments/{adjustment.pk}/" data-testid="adjustment-number">{adjustment.number}</a>' in page
        assert logged_in(user).get(f"/settlement/adjustments/{adjustment.pk}/").status_code == 200
    assert adjustment.number not in proposed_seen_by_supplier and 'data-testid="line-adjustment-waiting"' in proposed_seen_by_supplier


@pytest.fixture
def accepted_penalty(supplier, operator, finance, time_machine) -> PenaltyProposal:
    """October's defect-rate penalty of the supplier, accepted by finance into an adjustment."""
    time_machine.move_to(NOVEMBER_20, tick=False)
    for month in (9, 10):
        delivered = order(supplier, fulfilment="warehouse", delivered_at=t(month, 3))
        complaint(supplier, opened_at=t(month, 4))
    returned(delivered, quantity=1, outcome="defective")
    compute_month(month=date(2026, 10, 1), now=t(11, 20, 3))
    proposal = PenaltyProposal.objects.get()
    logged_in(finance).post(f"/settlement/assessments/penalty/{proposal.pk}/accept/", {"reason": ""})
    proposal.refresh_from_db()
    return proposal


def test_a_penalty_proposal_s_adjustment_number_and_the_adjustment_s_assessment_are_linked(accepted_penalty, finance_checker):
    client = logged_in(finance_checker)
    adjustment = accepted_penalty.adjustment

    penalties = client.get("/settlement/assessments/penalties/?state=accepted").content.decode()
    assessment = client.get(f"/settlement/assessments/{accepted_penalty.assessment_id}/").content.decode()
    cells = source_cells(client.get(f"/settlement/adjustments/{adjustment.pk}/").content.decode())

    number_link = f'<a href="/settlement/adjustments/{adjustment.pk}/" data-testid="adjustment-number">{adjustment.number}</a>'
    assert number_link in penalties and number_link in assessment
    assert source_link(cells[adjustment.number]) == f"/settlement/assessments/{accepted_penalty.assessment_id}/"
    assert client.get(f"/settlement/assessments/{accepted_penalty.assessment_id}/").status_code == 200
