"""The supplier app's portal lists sort by their columns' headings (core.forms.ListFilter.sorts), ascending then
descending, as the role that reads each list: the suppliers, the notices, the gifts, the paperwork under review, the
stock, its movements and the replenishment requests; a supplier sorting its lists still sees only its own rows."""
from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.factories import FIXED_NOW, ApplicantFactory, ContractFactory, GiftFactory, NoticeFactory, QualificationFactory, SupplierFactory
from tests.suppliers.profile_factories import ProfileChangeFactory
from tests.portal import listed_in_order, logged_in, sort_headings

pytestmark = pytest.mark.django_db


def days_ago(days: int):
    return FIXED_NOW - timedelta(days=days)


def test_the_operator_sorts_the_suppliers_by_when_they_applied_and_by_name(operator):
    middle = ApplicantFactory(name="乙礼品商", applied_at=days_ago(2))
    newest = ApplicantFactory(name="丙礼品商", applied_at=days_ago(1))
    oldest = ApplicantFactory(name="甲礼品商", applied_at=days_ago(3))

    assert listed_in_order(operator, "/supplier/review/", ordering="applied_at") == [oldest.pk, middle.pk, newest.pk]
    assert listed_in_order(operator, "/supplier/review/", ordering="-applied_at") == [newest.pk, middle.pk, oldest.pk]
    assert listed_in_order(operator, "/supplier/review/", ordering="-id") == [oldest.pk, newest.pk, middle.pk]


def test_a_supplier_sorts_its_inbox_by_time_and_sees_only_its_own_notices(supplier, other_supplier, supplier_staff):
    middle = NoticeFactory(supplier=supplier, created_at=days_ago(2))
    newest = NoticeFactory(supplier=supplier, created_at=days_ago(1))
    oldest = NoticeFactory(supplier=supplier, created_at=days_ago(3))
    NoticeFactory(supplier=other_supplier, created_at=days_ago(4))
    NoticeFactory(supplier=other_supplier, created_at=FIXED_NOW)

    assert listed_in_order(supplier_staff, "/supplier/notices/", ordering="created_at") == [oldest.pk, middle.pk, newest.pk]
    assert listed_in_order(supplier_staff, "/supplier/notices/", ordering="-created_at") == [newest.pk, middle.pk, oldest.pk]


def test_the_operator_sorts_every_inbox_by_supplier(operator):
    second = NoticeFactory(supplier=SupplierFactory(name="B 礼品商"))
    first = NoticeFactory(supplier=SupplierFactory(name="A 礼品商"))
    third = NoticeFactory(supplier=SupplierFactory(name="C 礼品商"))
    by_name = [first, second, third]

    page = logged_in(operator).get("/supplier/notices/").content.decode()

    assert set(sort_headings(page)) == {"created_at", "supplier"}
    assert listed_in_order(operator, "/supplier/notices/", ordering="supplier") == [notice.pk for notice in by_name]
    assert listed_in_order(operator, "/supplier/notices/", ordering="-supplier") == [notice.pk for notice in by_name[::-1]]


def test_a_supplier_has_no_supplier_heading_in_its_inbox(supplier, supplier_staff):
    NoticeFactory(supplier=supplier)

    page = logged_in(supplier_staff).get("/supplier/notices/").content.decode()

    assert set(sort_headings(page)) == {"created_at"}


def priced(supplier, *prices: str) -> list:
    """Gifts of the supplier at these settlement prices, in this order."""
    return [GiftFactory(supplier=supplier, settlement_price=Decimal(price)) for price in prices]


def test_a_supplier_sorts_its_gifts_by_settlement_price_and_sees_only_its_own(supplier, other_supplier, supplier_staff):
    dear, cheap, middle = priced(supplier, "300.00", "100.00", "200.00")
    priced(other_supplier, "50.00", "900.00")

    assert listed_in_order(supplier_staff, "/supplier/gifts/", ordering="settlement_price") == [cheap.pk, middle.pk, dear.pk]
    assert listed_in_order(supplier_staff, "/supplier/gifts/", ordering="-settlement_price") == [dear.pk, middle.pk, cheap.pk]


def test_the_operator_sorts_every_suppliers_gifts_by_price_and_by_supplier(operator):
    dear, cheap, middle = (priced(SupplierFactory(name=name), price)[0] for name, price in
                           (("A 礼品商", "300.00"), ("C 礼品商", "100.00"), ("B 礼品商", "200.00")))

    assert listed_in_order(operator, "/supplier/gift-admin/", ordering="settlement_price") == [cheap.pk, middle.pk, dear.pk]
    assert listed_in_order(operator, "/supplier/gift-admin/", ordering="-settlement_price") == [dear.pk, middle.pk, cheap.pk]
    assert listed_in_order(operator, "/supplier/gift-admin/", ordering="supplier") == [dear.pk, middle.pk, cheap.pk]


def test_finance_sorts_the_contracts_by_their_term(finance):
    middle, latest, earliest = (ContractFactory(start_date=date(2026, month, 1), end_date=date(2027, month, 1)) for month in (2, 3, 1))

    assert listed_in_order(finance, "/supplier/contracts/review/", ordering="start_date") == [earliest.pk, middle.pk, latest.pk]
    assert listed_in_order(finance, "/supplier/contracts/review/", ordering="-start_date") == [latest.pk, middle.pk, earliest.pk]


def test_the_operator_sorts_the_profile_changes_by_when_they_were_asked(operator):
    middle, newest, oldest = (ProfileChangeFactory(requested_at=days_ago(days)) for days in (2, 1, 3))

    assert listed_in_order(operator, "/supplier/profile-changes/review/", ordering="requested_at") == [oldest.pk, middle.pk, newest.pk]
    assert listed_in_order(operator, "/supplier/profile-changes/review/", ordering="-requested_at") == [newest.pk, middle.pk, oldest.pk]


def test_the_qualifications_sort_by_expiry_instead_of_waiting_first(operator):
    middle = QualificationFactory(expires_on=date(2027, 6, 30))
    latest = QualificationFactory(expires_on=date(2028, 6, 30), state="pending")  # listed first unless sorted
    earliest = QualificationFactory(expires_on=date(2026, 12, 31))

    assert listed_in_order(operator, "/supplier/qualifications/review/")[0] == latest.pk
    assert listed_in_order(operator, "/supplier/qualifications/review/", ordering="expires_on") == [earliest.pk, middle.pk, latest.pk]
    assert listed_in_order(operator, "/supplier/qualifications/review/", ordering="-expires_on") == [latest.pk, middle.pk, earliest.pk]

