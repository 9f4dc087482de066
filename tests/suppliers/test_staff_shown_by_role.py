"""A supplier's users see who at the platform decided on their requests by role (运营人员, 财务人员), never by login
name, in the histories and rejection reasons of the portal and the API; the platform's staff still see the name."""
import pytest

from core.models.transitions import actor_label_for
from suppliers.services import catalog, contracts
from tests.factories import ContractFactory, GiftFactory, UserFactory
from tests.portal import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def named_operator(db):
    return UserFactory(username="zhang.wei", role="operator")


@pytest.fixture
def rejected_contract(supplier, named_operator, now):
    contract = ContractFactory(supplier=supplier, number="HT-SEEN")
    return contracts.reject_contract(contract=contract, actor=named_operator, now=now, reason="保证金不足")


def test_the_supplier_sees_the_rejection_of_its_contract_by_the_operators_role(supplier_staff, rejected_contract):
    page = logged_in(supplier_staff).get("/supplier/paperwork/").content.decode()

    rejection = page.split('data-testid="rejection"', 1)[1].split("</div>", 1)[0]
    assert "保证金不足" in rejection and "运营人员" in rejection
    assert "zhang.wei" not in page


def test_the_operator_still_sees_who_rejected_it(named_operator, rejected_contract):
    page = logged_in(named_operator).get(f"/supplier/contracts/review/{rejected_contract.pk}/").content.decode()

    history = page.split('data-testid="history"', 1)[1]
    assert "zhang.wei" in history and "运营人员" not in history


def test_the_supplier_reads_the_api_history_with_the_operators_role(api, supplier_admin, operator, named_operator, rejected_contract):
    url = f"/api/v1/contracts/{rejected_contract.pk}/history/"

    as_supplier, as_operator = api(supplier_admin).get(url).json(), api(operator).get(url).json()

    assert [(h["actor"], h["actor_label"]) for h in as_supplier] == [("运营人员", "运营人员")]
    assert [(h["actor"], h["actor_label"]) for h in as_operator] == [("zhang.wei", "zhang.wei")]


def test_a_gifts_history_shows_the_supplier_the_operators_role(licensed_supplier, supplier_staff, named_operator, now):
    gift = catalog.submit_gift(gift=GiftFactory(supplier=licensed_supplier), actor=supplier_staff, now=now)
    catalog.approve_gift(gift=gift, actor=named_operator, now=now, reason="图文一致")

    page = logged_in(supplier_staff).get(f"/supplier/gifts/{gift.pk}/").content.decode()

    history = page.split('data-testid="history"', 1)[1]
    assert "运营人员" in history and "supplier_staff" in history and "zhang.wei" not in page


@pytest.mark.parametrize(("role", "title"), [("operator", "运营人员"), ("logistics", "物流人员"), ("finance", "财务人员")])
def test_each_staff_role_has_its_title_for_suppliers(supplier_admin, role, title):
    assert actor_label_for(UserFactory(username=f"{role}_named", role=role), supplier_admin) == title


def test_suppliers_see_their_own_colleagues_and_members_as_before(supplier_admin, supplier_staff, member):
    assert actor_label_for(supplier_staff, supplier_admin) == "supplier_staff"
    assert actor_label_for(member.user, supplier_admin).startswith("会员 ")
    assert actor_label_for(None, supplier_admin) == "系统"
