"""A reconciliation file's errors in English read alike: "Row n: " and then a sentence that starts with a capital,
whether the row's kind, quantity or amount is wrong (SPEC §4.11)."""
import re

import pytest
from django.utils import translation

from core.tabular import TableRejected
from tests.settlement.test_reconciliation import csv_bytes, nothing_stored, upload
from tests.settlement.test_reconciliation import statement  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_every_row_error_of_an_upload_reads_as_a_sentence_after_its_row_number(statement, supplier_admin, now):  # noqa: F811
    rows = [["RO-1", "SKU-A", "赠品", "两", "360.00"], ["RO-2", "SKU-A", "配送", "1", "十元"]]

    with translation.override("en"), pytest.raises(TableRejected) as rejected:
        upload(statement, supplier_admin, now, csv_bytes(rows))

    details = {problem.attr: str(problem.detail) for problem in rejected.value.problems}
    assert set(details) == {"rows.2.kind", "rows.2.quantity", "rows.3.amount"}
    assert details["rows.2.quantity"] == "Row 2: The quantity must be a whole number."
    assert details["rows.3.amount"].startswith("Row 3: The amount")
    assert all(re.fullmatch(r"Row \d+: [A-Z].*\.", detail) for detail in details.values()), details
    assert nothing_stored()
