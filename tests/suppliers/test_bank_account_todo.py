"""A supplier approved without an approved bank account is told to add one (its statements are paid to it, and cannot
be issued without it): in the approval notice, and as a to-do on its admin's home page and navigation (资料信息) until
an account is approved, saying it pays 7 days after its approval."""
import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from suppliers.models.contracts import BANK_ACCOUNT_WAITING_DAYS
from tests.factories import SupplierUserFactory, supplier_in
from tests.helpers import only_notice
from tests.portal import badge_links, logged_in
from tests.suppliers.profile_factories import BankAccountFactory

pytestmark = pytest.mark.django_db


def test_the_approval_notice_asks_a_supplier_without_a_bank_account_to_add_one(operator, now):
    supplier = supplier_in("active", actor=operator, now=now)

    body = only_notice(supplier, "supplier_approved").body_text

    assert "管理员账号已启用" in body and "运营审核决定" in body
    assert f"请在“资料信息”中添加收款账户：账户审核通过 {BANK_ACCOUNT_WAITING_DAYS} 天后方可用于结算付款。" in body


def test_the_admin_of_a_supplier_without_a_bank_account_has_it_to_do_on_home_and_in_the_navigation(supplier, supplier_admin, supplier_staff):
    page = html.unescape(logged_in(supplier_admin).get("/").content.decode())

    assert badge_links(supplier_admin, "supplier-profile") == {"home": ("/supplier/profile/", 1), "nav": ("/supplier/profile/", 1)}
    assert f'title="请添加收款账户（审核通过 {BANK_ACCOUNT_WAITING_DAYS} 天后方可用于结算付款）"' in page
    assert badge_links(supplier_staff, "supplier-profile") == {}  # only the admin asks for an account


def test_an_approved_bank_account_ends_the_to_do_and_another_suppliers_does_not(supplier, supplier_admin, other_supplier):
    BankAccountFactory(supplier=other_supplier)
    assert badge_links(supplier_admin, "supplier-profile") == {"home": ("/supplier/profile/", 1), "nav": ("/supplier/profile/", 1)}

    BankAccountFactory(supplier=supplier)

    assert badge_links(supplier_admin, "supplier-profile") == {}


@pytest.mark.supplier(applicant=True)
def test_an_applicant_is_not_asked_for_a_bank_account_yet(supplier):
    admin = SupplierUserFactory(username="applicant_admin", role="supplier_admin", supplier=supplier)

    assert badge_links(admin, "supplier-profile") == {}


def test_the_to_do_adds_no_query_to_the_home_page(supplier, supplier_admin):
    client = logged_in(supplier_admin)
    client.get("/")
    with CaptureQueriesContext(connection) as without:
        client.get("/")
    BankAccountFactory(supplier=supplier)
    with CaptureQueriesContext(connection) as having:
        client.get("/")

    assert len(without.captured_queries) == len(having.captured_queries)
