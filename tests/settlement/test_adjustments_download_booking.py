"""The adjustments download names the statement each adjustment is booked in (month, supplier, version), 待计入 while it
is still to be booked, as its reader may know it (a supplier does not see a draft), in as many queries for many rows as
for one."""
# ruff: noqa: F811  (the statement fixtures are imported from test_portal and requested by name)
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from settlement.services import adjustments, generation, statements
from tests.factories import FIXED_NOW
from tests.portal import downloaded, logged_in
from tests.settlement.test_list_exports import by_column
from tests.settlement.test_portal import SEPTEMBER, compensate, draft, issued  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(FIXED_NOW, tick=False)


def booked_in(user, **query) -> dict[str, str]:
    """{adjustment number: its 计入结算单} of the user's CSV download."""
    rows = by_column(downloaded(logged_in(user).get("/settlement/adjustments/export.csv", query)))
    return {row["调账单号"]: row["计入结算单"] for row in rows}


def test_finance_reads_the_draft_that_booked_an_adjustment_and_the_supplier_reads_it_once_issued(draft, finance, supplier_staff):
    booked = draft.supplier.adjustments.get()

    finance_reads = booked_in(finance)[booked.number]
    supplier_reads_draft = booked_in(supplier_staff)[booked.number]
    statements.issue_statement(statement=draft, actor=finance, now=FIXED_NOW)
    supplier_reads_issued = booked_in(supplier_staff)[booked.number]

    assert finance_reads == f"2026-09 {draft.supplier.name} v1（待出具）"
    assert supplier_reads_issued == f"2026-09 {draft.supplier.name} v1"
    assert supplier_reads_draft == "待计入"


def test_a_proposed_adjustment_is_still_to_be_booked_and_a_rejected_one_never_is(draft, supplier, finance, finance_checker):
    proposed = adjustments.propose_adjustment(supplier=supplier, kind="penalty", amount="-30", reason="迟发", actor=finance, now=FIXED_NOW)
    rejected = adjustments.propose_adjustment(supplier=supplier, kind="penalty", amount="-40", reason="重复", actor=finance, now=FIXED_NOW)
    adjustments.reject_adjustment(adjustment=rejected, actor=finance_checker, now=FIXED_NOW, note="重复扣款")

    read = booked_in(finance)

    assert read[proposed.number] == "待计入" and read[rejected.number] == ""


def test_a_dispute_adjustment_names_the_version_it_is_booked_in_pending_until_that_version_is_issued(
    issued, supplier_admin, finance, finance_checker,
):
    statements.dispute_statement(statement=issued, actor=supplier_admin, now=FIXED_NOW, reason="少计")
    proposed = adjustments.propose_adjustment(supplier=issued.supplier, kind="dispute", amount="9.00", reason="补记", actor=finance,
                                              now=FIXED_NOW, statement=issued)
    adjustments.approve_adjustment(adjustment=proposed, actor=finance_checker, now=FIXED_NOW)

    before = booked_in(finance)[proposed.number], booked_in(supplier_admin, state="approved")[proposed.number]
    page = logged_in(supplier_admin).get("/settlement/adjustments/").content.decode()
    statements.reissue_statement(statement=issued, actor=finance, now=FIXED_NOW + timedelta(minutes=1), reason="补记 9 元")
    after = booked_in(supplier_admin)[proposed.number]

    assert before == (f"2026-09 {issued.supplier.name} v2（待出具）",) * 2
    assert 'data-testid="booked-statement">计入的结算单：2026-09 v2（待出具）<span' in page
    assert after == f"2026-09 {issued.supplier.name} v2"
    assert 'data-testid="booked-statement">计入的结算单：2026-09 v2<span' in logged_in(supplier_admin).get("/settlement/adjustments/").content.decode()


def test_the_download_runs_as_many_queries_for_many_booked_adjustments_as_for_one(draft, supplier, finance, finance_checker):
    with CaptureQueriesContext(connection) as few:
        booked_in(finance)
    for n in range(5):
        compensate(supplier, f"{10 + n}.00", maker=finance, checker=finance_checker)
    generation.generate_now(month=SEPTEMBER, actor=finance, now=FIXED_NOW + timedelta(minutes=1))

    with CaptureQueriesContext(connection) as many:
        read = booked_in(finance)

    assert list(read.values()).count(f"2026-09 {supplier.name} v1（待出具）") == 1 + 5
    assert len(many.captured_queries) == len(few.captured_queries)
