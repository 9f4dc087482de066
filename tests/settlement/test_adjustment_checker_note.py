"""A supplier reading its own approved adjustment reads the checker's note (审批意见: why the approving finance user
approved it) on the adjustment's page and in the API, with the checker named by role (财务人员), never by login
name; another supplier gets 404; staff read the note and the checker's name."""
import re

import pytest

from settlement.services import adjustments
from tests.portal import logged_in
from tests.settlement.conftest import LATER

pytestmark = pytest.mark.django_db
NOTE = "已核对合同第 9 条，同意扣款"


@pytest.fixture
def approved(supplier, finance, finance_checker):
    """A penalty of the supplier one finance user proposed and the other approved with a note."""
    proposed = adjustments.propose_adjustment(supplier=supplier, kind="penalty", amount="-40.00", reason="延迟发货", actor=finance,
                                              now=LATER)
    return adjustments.approve_adjustment(adjustment=proposed, actor=finance_checker, now=LATER, note=NOTE)


def decision_cell(page: str, number: str) -> str:
    row = re.search(rf'<tr data-number="{number}">.*?</tr>', page, re.S).group(0)
    return re.findall(r"<td>.*?</td>", row, re.S)[-1]


@pytest.mark.parametrize("reader", ["supplier_admin", "supplier_staff"])
def test_the_supplier_reads_the_checkers_note_on_its_adjustments_page_not_the_checkers_name(approved, finance_checker, request, reader):
    page = logged_in(request.getfixturevalue(reader)).get(f"/settlement/adjustments/{approved.pk}/").content.decode()

    decided = decision_cell(page, approved.number)
    assert re.search(r'data-testid="decision-note"[^>]*>(.*?)</small>', decided).group(1) == NOTE
    assert "财务人员" in decided and finance_checker.username not in page


def test_the_supplier_reads_the_checkers_note_in_its_adjustments_list(approved, supplier_admin):
    page = logged_in(supplier_admin).get("/settlement/adjustments/").content.decode()

    assert NOTE in decision_cell(page, approved.number)


def test_the_page_shows_no_note_where_the_checker_wrote_none(supplier, finance, finance_checker, supplier_admin):
    proposed = adjustments.propose_adjustment(supplier=supplier, kind="penalty", amount="-10.00", reason="延迟发货", actor=finance,
                                              now=LATER)
    adjustments.approve_adjustment(adjustment=proposed, actor=finance_checker, now=LATER)

    page = logged_in(supplier_admin).get(f"/settlement/adjustments/{proposed.pk}/").content.decode()

    assert 'data-testid="decision-note"' not in page


def test_the_supplier_reads_the_checkers_note_in_the_api_not_the_checkers_name(approved, supplier_admin, finance_checker, api):
    read = api(supplier_admin).get(f"/api/v1/adjustments/{approved.pk}/")
    listed = api(supplier_admin).get("/api/v1/adjustments/").json()["results"]

    assert read.status_code == 200
    assert (read.json()["decision_note"], read.json()["decided_by"]) == (NOTE, "财务人员")
    assert [(row["id"], row["decision_note"]) for row in listed] == [(approved.pk, NOTE)]
    assert finance_checker.username not in read.content.decode()


def test_another_supplier_gets_404_for_the_adjustment_on_its_page_and_in_the_api(approved, other_supplier_admin, api):
    assert logged_in(other_supplier_admin).get(f"/settlement/adjustments/{approved.pk}/").status_code == 404
    assert api(other_supplier_admin).get(f"/api/v1/adjustments/{approved.pk}/").status_code == 404


@pytest.mark.parametrize("role", ["finance", "operator"])
def test_staff_read_the_checkers_note_and_name(approved, finance_checker, api, request, role):
    read = api(request.getfixturevalue(role)).get(f"/api/v1/adjustments/{approved.pk}/")

    assert (read.json()["decision_note"], read.json()["decided_by"]) == (NOTE, finance_checker.username)


def test_logistics_may_not_read_adjustments(approved, logistics, api):
    assert api(logistics).get(f"/api/v1/adjustments/{approved.pk}/").status_code == 404
    assert logged_in(logistics).get(f"/settlement/adjustments/{approved.pk}/").status_code == 403
