"""The reconciliation API's detail gives the answers given on the statement's earlier files to the differences of a
file uploaded again (`earlier_answers`), as the reconciliation's page shows them beside its lines: finance and
operators read them all with the checker's note; the supplier only those with no adjustment or an approved one, with
an approved one's note and with finance named by role; another supplier gets 404."""
import re
from datetime import timedelta

import pytest

from settlement.models import Reconciliation
from settlement.services import adjustments, reconciliation
from tests.portal import logged_in
from tests.settlement.conftest import LATER
from tests.settlement.test_reconciliation_earlier_answers import mismatch, rejected, upload, uploaded_again  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def detail(api, user, found):
    return api(user).get(f"/api/v1/reconciliations/{found.pk}/")


@pytest.mark.parametrize("reader", ["finance", "operator"])
def test_staff_read_the_earlier_files_answer_with_its_rejected_adjustment_and_the_checkers_note(
    rejected, uploaded_again, finance, api, request, reader  # noqa: F811
):
    first = Reconciliation.objects.exclude(pk=uploaded_again.pk).get()

    read = detail(api, request.getfixturevalue(reader), uploaded_again)

    assert read.status_code == 200
    (answer,) = read.json()["earlier_answers"]
    line = mismatch(uploaded_again)
    assert (answer["line"], answer["order_number"], answer["sku"], answer["kind"]) == (line.pk, line.order_number, line.sku, line.kind)
    assert (answer["reconciliation"], answer["file_name"], answer["version"]) == (first.pk, "ours.csv", 1)
    assert (answer["resolution"], answer["resolved_by"], answer["adjustment_number"], answer["adjustment_state"], answer["decision_note"]) == (
        "accept_theirs", finance.username, rejected.number, "rejected", "金额无依据")


def test_a_first_file_has_no_earlier_answers(issued, supplier_admin, finance, api):
    found = upload(issued, supplier_admin, now=LATER)

    assert detail(api, finance, found).json()["earlier_answers"] == []


def test_the_api_and_the_page_give_the_same_line_its_earlier_answers(rejected, uploaded_again, finance, api):  # noqa: F811
    page = logged_in(finance).get(f"/settlement/reconciliations/{uploaded_again.pk}/").content.decode()

    read = detail(api, finance, uploaded_again).json()["earlier_answers"]

    on_page = {int(pk) for pk, row in re.findall(r'<tr data-line="(\d+)"(.*?)</tr>', page, re.S) if "earlier-answers" in row}
    assert {answer["line"] for answer in read} == on_page == {mismatch(uploaded_again).pk}


def test_the_supplier_reads_no_rejected_answer(rejected, uploaded_again, supplier_admin, api):  # noqa: F811
    read = detail(api, supplier_admin, uploaded_again)

    assert read.status_code == 200 and read.json()["earlier_answers"] == []
    assert rejected.number not in read.content.decode() and "金额无依据" not in read.content.decode()


@pytest.mark.parametrize("reader", ["supplier_admin", "supplier_staff"])
def test_the_supplier_reads_an_approved_earlier_answer_with_the_checkers_note_but_no_names(
    issued, supplier_admin, finance, finance_checker, api, request, reader
):
    line = reconciliation.resolve_line(line=mismatch(upload(issued, supplier_admin, now=LATER)), resolution="accept_theirs",
                                       actor=finance, now=LATER)
    approved = adjustments.approve_adjustment(adjustment=line.adjustment, actor=finance_checker, now=LATER, note="内部核对意见")
    again = upload(issued, supplier_admin, now=LATER + timedelta(hours=1))

    read = detail(api, request.getfixturevalue(reader), again)

    (answer,) = read.json()["earlier_answers"]
    assert (answer["adjustment_number"], answer["adjustment_state"], answer["decision_note"], answer["resolved_by"]) == (
        approved.number, "approved", "内部核对意见", "财务人员")
    assert finance.username not in read.content.decode() and finance_checker.username not in read.content.decode()


def test_another_supplier_and_logistics_get_404(rejected, uploaded_again, other_supplier_admin, logistics, api):  # noqa: F811
    assert detail(api, other_supplier_admin, uploaded_again).status_code == 404
    assert detail(api, logistics, uploaded_again).status_code == 404
