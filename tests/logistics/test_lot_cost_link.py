"""A leftover lot's number (#id) shows in the lot list and on its page, the number the extra-cost form asks for; on the
lot's page whoever records its costs (logistics staff, costs.records_costs) finds 记录额外费用, opening that form with
the lot filled in. Other readers of the lot see no such link."""
import re

import pytest

from logistics.models import ExtraCost
from tests.factories import SupplierUserFactory
from tests.portal import logged_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_at_now")]


def page(user, url: str) -> str:
    response = logged_in(user).get(url)
    assert response.status_code == 200
    return response.content.decode()


def lot_field(form_page: str) -> str:
    field = re.search(r'<input[^>]*name="lot"[^>]*>', form_page)
    assert field, "no lot field"
    value = re.search(r'value="([^"]*)"', field.group(0))
    return value.group(1) if value else ""


def test_the_lot_list_and_the_lot_page_show_the_lot_number(lot, logistics):
    row = re.search(rf'<tr data-lot="{lot.pk}".*?</tr>', page(logistics, "/logistics/leftovers/"), re.S).group(0)
    heading = re.search(r"<h1>.*?</h1>", page(logistics, f"/logistics/leftovers/{lot.pk}/"), re.S).group(0)

    assert f'<span data-testid="lot-id">#{lot.pk}</span>' in row
    assert f'<span data-testid="lot-id">#{lot.pk}</span>' in heading


def test_logistics_opens_the_extra_cost_form_from_the_lot_page_with_the_lot_filled_in_and_records_it(lot, logistics):
    link = re.search(r'<a[^>]*data-testid="record-cost"[^>]*>([^<]*)</a>', page(logistics, f"/logistics/leftovers/{lot.pk}/"))

    assert link and link.group(1) == "记录额外费用"
    url = re.search(r'href="([^"]*)"', link.group(0)).group(1)
    assert url == f"/logistics/extra-costs/new/?lot={lot.pk}"
    assert lot_field(page(logistics, url)) == str(lot.pk)

    response = logged_in(logistics).post(url, {"kind": "handling", "payer": "supplier", "lot": lot.pk, "quantity": 1, "token": "lot", "description": "遗留批次搬运"})

    assert response.status_code == 302 and ExtraCost.objects.get().lot == lot


def test_a_lot_that_is_no_number_fills_in_nothing(logistics):
    assert lot_field(page(logistics, "/logistics/extra-costs/new/?lot=abc")) == ""


@pytest.mark.parametrize("reader", ["operator", "finance", "supplier_admin"])
def test_those_who_do_not_record_a_lots_costs_see_no_link(request, lot, reader):
    user = SupplierUserFactory(role=reader, supplier=lot.supplier) if reader == "supplier_admin" else request.getfixturevalue(reader)

    lot_page = page(user, f"/logistics/leftovers/{lot.pk}/")

    assert 'data-testid="record-cost"' not in lot_page and "/logistics/extra-costs/new/" not in lot_page
    assert f"#{lot.pk}" in lot_page
