"""An extra cost names its order or inbound shipment by number as people type it: lower-case, full-width or with spaces
around it, the number is looked up as it is stored (upper-case)."""
from decimal import Decimal

import pytest

from core.numbers import typed_number
from logistics.forms_returns import ExtraCostForm
from logistics.models import ExtraCost
from tests.factories import FIXED_NOW
from tests.helpers import AS_TYPED
from tests.portal import field_errors, logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(FIXED_NOW, tick=False)


@pytest.mark.parametrize("typed", ["ro20261015000000000001", " RO20261015000000000001 ", "ｒｏ２０２６１０１５０００００００００００１"])
def test_a_document_number_typed_in_lower_case_full_width_or_with_spaces_is_the_stored_one(typed):
    assert typed_number(typed) == "RO20261015000000000001"


@pytest.mark.parametrize("typed", AS_TYPED.values(), ids=AS_TYPED)
def test_the_extra_cost_form_finds_the_order_and_the_inbound_shipment_by_their_numbers_as_typed(delivered_order, announced, logistics, typed):
    by_order = ExtraCostForm({"kind": "return_freight", "payer": "supplier", "order_number": typed(delivered_order.number), "quantity": 1,
                              "token": "t1", "description": "退货运费"}, user=logistics)
    by_inbound = ExtraCostForm({"kind": "handling", "payer": "supplier", "inbound_number": typed(announced.number), "quantity": 1,
                                "token": "t2", "description": "到货处理"}, user=logistics)

    assert by_order.is_valid(), by_order.errors
    assert by_inbound.is_valid(), by_inbound.errors
    assert (by_order.cleaned_data["order"], by_inbound.cleaned_data["inbound"]) == (delivered_order, announced)


def test_logistics_records_an_extra_cost_naming_the_order_in_lower_case(delivered_order, logistics):
    response = logged_in(logistics).post(
        "/logistics/extra-costs/new/",
        {"kind": "return_freight", "payer": "supplier", "order_number": delivered_order.number.lower(), "quantity": 1, "token": "lc", "description": "退货运费"},
    )

    assert response.status_code == 302
    assert (ExtraCost.objects.get().order, ExtraCost.objects.get().amount) == (delivered_order, Decimal("12.00"))


def test_a_number_naming_no_order_is_still_refused_next_to_the_field(delivered_order, logistics):
    response = logged_in(logistics).post(
        "/logistics/extra-costs/new/",
        {"kind": "return_freight", "payer": "supplier", "order_number": "ro-none", "quantity": 1, "token": "none", "description": "退货运费"},
    )

    assert response.status_code == 400 and "order_number" in field_errors(response) and not ExtraCost.objects.exists()
