"""Who reads a supplier's paperwork (contracts, licences and certificates, bank accounts, profile changes) is one rule,
core.roles.SUPPLIER_REVIEWERS: the rows the API shows, the review pages, their navigation entries and the links on a
supplier's page all read it, so that they cannot drift apart (finance reads them; the logistics provider never)."""
import pytest

from core import portal
from core.roles import SUPPLIER_REVIEWERS
from suppliers.models import BankAccount, Contract, ProfileChange, Qualification
from tests.portal import logged_in

PAPERWORK_PAGES = {"operator-contracts", "operator-profile-changes"}


def test_the_paperwork_rows_navigation_and_supplier_page_links_read_the_one_rule_of_who_reviews_suppliers():
    entries = [item for item in portal._items if item.url_name in PAPERWORK_PAGES]
    links = [page for page in portal._supplier_pages if page.url_name == "operator-contracts"]

    assert {item.url_name for item in entries} == PAPERWORK_PAGES and len(links) == 1
    assert all(item.roles is SUPPLIER_REVIEWERS for item in entries + links)
    assert all(model.visibility.staff is SUPPLIER_REVIEWERS for model in (Contract, Qualification, BankAccount, ProfileChange))


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/supplier/contracts/review/", "/supplier/profile-changes/review/"])
def test_finance_opens_the_paperwork_review_pages_from_its_navigation_and_the_logistics_provider_neither(finance, logistics, path):
    finance_client, logistics_client = logged_in(finance), logged_in(logistics)

    assert finance_client.get(path).status_code == 200 and f'href="{path}"' in finance_client.get("/").content.decode()
    assert logistics_client.get(path).status_code == 403 and f'href="{path}"' not in logistics_client.get("/").content.decode()
