"""The replenishment requests' own pages: every request, open or done, filtered and paginated, and each one's history
(who raised, met or cancelled it, when, why), for whoever reads the stock; another supplier's is a 404."""
import pytest

from suppliers.models import ReplenishmentRequest
from suppliers.services import inventory
from tests.factories import GiftFactory, SupplierUserFactory, UserFactory, WarehouseFactory
from tests.helpers import published
from tests.portal import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def requests_of_two_gifts(operator, now):
    """A met request (stock received after it) and an open one, of one supplier's two gifts at one warehouse."""
    warehouse = WarehouseFactory(code="WH-REP")
    met_gift, open_gift = GiftFactory(sku="REP-MET"), GiftFactory(sku="REP-OPEN")
    open_gift.supplier = met_gift.supplier
    open_gift.save(update_fields=["supplier"])
    for gift in (met_gift, open_gift):
        published(gift, actor=operator, at=now)
        inventory.set_safety_stock(gift=gift, location=warehouse, safety_stock=10, at=now)
    inventory.receive_stock(gift=met_gift, location=warehouse, quantity=20, at=now)
    inventory.meet_replenishment(gift=met_gift, location=warehouse, at=now, actor=UserFactory(username="rep_logistics", role="logistics"))
    return {state: ReplenishmentRequest.objects.get(gift=gift) for state, gift in (("met", met_gift), ("open", open_gift))}


def rows(page: str) -> list[str]:
    return page.split('data-testid="replenishment-list"', 1)[1].split("</tbody>", 1)[0].split("<tr ")[1:]


def test_the_list_shows_met_and_open_requests_and_filters_by_state(requests_of_two_gifts, operator):
    client = logged_in(operator)

    every = rows(client.get("/supplier/stock/replenishments/").content.decode())
    met_only = client.get("/supplier/stock/replenishments/", {"state": "met"})

    assert sorted(row.split('"', 2)[1] for row in every) == ["met", "open"]
    assert [row.split('"', 2)[1] for row in rows(met_only.content.decode())] == ["met"] and "REP-MET" in met_only.content.decode()
    assert "REP-OPEN" not in met_only.content.decode()


def test_a_state_no_request_has_is_an_error_next_to_the_filter(requests_of_two_gifts, operator):
    response = logged_in(operator).get("/supplier/stock/replenishments/", {"state": "lost"})

    assert response.status_code == 400
    assert 'data-field="state"' in response.content.decode() and rows(response.content.decode()) == []


def test_a_met_request_tells_the_supplier_who_raised_and_met_it(requests_of_two_gifts):
    met = requests_of_two_gifts["met"]
    staff = SupplierUserFactory(username="rep_staff", role="supplier_staff", supplier=met.gift.supplier)

    page = logged_in(staff).get(f"/supplier/stock/replenishments/{met.pk}/").content.decode()

    history = page.split('data-testid="history"', 1)[1]
    assert 'data-testid="replenishment-state">已补货' in page
    assert history.count("<tr>") == 3  # the header, raised, met
    assert "系统" in history and "补货已到" in history and "rep_logistics" not in history  # platform staff show as their role


def test_another_suppliers_request_is_not_found_and_a_member_may_not_look(requests_of_two_gifts):
    other = SupplierUserFactory(username="other_admin", role="supplier_admin")
    member = UserFactory(username="member_rep", role="member")
    url = f"/supplier/stock/replenishments/{requests_of_two_gifts['open'].pk}/"

    assert logged_in(other).get(url).status_code == 404
    assert "REP-OPEN" not in logged_in(other).get("/supplier/stock/replenishments/").content.decode()
    assert logged_in(member).get(url).status_code == 403


def test_the_stock_page_links_each_open_request_and_the_full_list(requests_of_two_gifts, operator):
    page = logged_in(operator).get("/supplier/stock/").content.decode()

    assert f'href="/supplier/stock/replenishments/{requests_of_two_gifts["open"].pk}/"' in page
    assert f'href="/supplier/stock/replenishments/{requests_of_two_gifts["met"].pk}/"' not in page
    assert 'data-testid="all-replenishments"' in page
