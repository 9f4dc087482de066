"""A receivable of a terminated supplier (closed owing money, not collected yet) waits for finance to record its
collection: finance's 结算单 badge and home to-do count it and 仅看待我处理 lists it, until the collection is recorded."""
from datetime import date

import pytest

from settlement.services import statements
from tests.portal import badge_links, listed, rows_at
from tests.settlement.conftest import LATER

pytestmark = pytest.mark.django_db
STATEMENTS = "/settlement/statements/"


def test_a_receivable_to_collect_waits_for_every_finance_user(receivable, finance, finance_checker):
    for user in (finance, finance_checker):
        links = badge_links(user, "settlement-statements")

        assert {where: count for where, (_path, count) in links.items()} == {"home": 1, "nav": 1}
        assert all(rows_at(user, path) == 1 for path, _count in links.values())
        assert listed(user, STATEMENTS, waiting="1") == [receivable.pk]
        assert listed(user, "/api/v1/statements/", waiting="true") == [receivable.pk]


def test_a_collected_receivable_no_longer_waits(receivable, finance):
    statements.record_collection(statement=receivable, actor=finance, now=LATER, reference="CMB-IN-7", amount="30.00",
                                 collected_on=date(2026, 11, 2))

    assert badge_links(finance, "settlement-statements") == {}
    assert listed(finance, STATEMENTS, waiting="1") == []
    assert listed(finance, STATEMENTS, waiting="false") == [receivable.pk]


def test_a_receivable_waits_for_no_supplier(receivable, supplier_admin):
    assert listed(supplier_admin, STATEMENTS, waiting="1") == []
