"""A leftover lot collected in part (SPEC §4.8): the units collected leave stock, the rest stay in the open lot with its
collection deadline and the fees charged so far, and storage goes on accruing on it once a day — in the service, on
the lot's page and in the API; a quantity beyond the lot's units is refused on the quantity and changes nothing."""

from datetime import timedelta

import pytest
import time_machine

from core.errors import InvalidTransition, ValidationFailed
from core.fsm import history_of
from logistics.models import ExtraCost, LeftoverLot
from logistics.services import leftovers
from suppliers.models import StockMovement
from tests.logistics.leftover_world import DEADLINE, RETIRED_ON, at_0010, on_hand
from tests.portal import field_errors, logged_in

pytestmark = pytest.mark.django_db
AFTER_DEADLINE = at_0010(DEADLINE + timedelta(days=2)).replace(hour=9)


def storage_days(lot) -> list:
    return sorted(ExtraCost.objects.filter(lot=lot, kind="storage").values_list("fee_date", flat=True))


def test_collecting_part_of_a_lot_takes_those_units_out_and_leaves_the_rest_open_with_its_deadline(lot, logistics):
    collected = leftovers.collect_lot(lot=lot, actor=logistics, now=RETIRED_ON, quantity=2, reason="先取回两件")

    lot.refresh_from_db()
    assert (collected.pk, lot.state, lot.quantity, lot.collect_by, lot.closed_at) == (lot.pk, "open", 3, DEADLINE, None)
    assert on_hand(lot) == 3
    movement = StockMovement.objects.filter(source_type="leftover_lot").get()
    assert (movement.kind, movement.on_hand_delta, movement.source_id) == ("collection", -2, str(lot.pk))
    step = history_of(lot).last()
    assert (step.transition, step.source_state, step.target_state, step.reason_label) == (
        "collect_part",
        "open",
        "open",
        "取回 2 件，余 3 件待取回：先取回两件",
    )


def test_the_rest_keeps_the_fees_charged_and_is_charged_each_later_day_once(lot, logistics):
    leftovers.collect_lot(lot=lot, actor=logistics, now=AFTER_DEADLINE, quantity=1)
    charged = storage_days(lot)

    leftovers.charge_storage_fees(now=at_0010(DEADLINE + timedelta(days=3)))

    assert charged == [DEADLINE + timedelta(days=1), DEADLINE + timedelta(days=2)]
    assert storage_days(lot) == [*charged, DEADLINE + timedelta(days=3)]


def test_collecting_every_unit_by_quantity_closes_the_lot(lot, logistics):
    leftovers.collect_lot(lot=lot, actor=logistics, now=RETIRED_ON, quantity=5)

    lot.refresh_from_db()
    assert (lot.state, lot.quantity, on_hand(lot)) == ("collected", 5, 0)


@pytest.mark.parametrize("quantity", [0, 6, "2"])
def test_a_quantity_outside_the_lots_units_is_refused_on_the_quantity_and_changes_nothing(lot, logistics, quantity):
    with pytest.raises(ValidationFailed) as refused:
        leftovers.collect_lot(lot=lot, actor=logistics, now=RETIRED_ON, quantity=quantity)

    lot.refresh_from_db()
    assert refused.value.field == "quantity" and "1–5" in refused.value.detail
    assert (lot.state, lot.quantity, on_hand(lot)) == ("open", 5, 5)


def test_a_closed_lot_is_refused_for_its_state_whatever_the_quantity(lot, logistics):
    leftovers.collect_lot(lot=lot, actor=logistics, now=RETIRED_ON)

    with pytest.raises(InvalidTransition):
        leftovers.collect_lot(lot=lot, actor=logistics, now=RETIRED_ON, quantity=9)


@pytest.fixture
def _clock():
    with time_machine.travel(RETIRED_ON + timedelta(days=1), tick=False):
        yield


@pytest.mark.usefixtures("_clock")
def test_logistics_collects_part_of_a_lot_from_its_page(lot, logistics):
    client = logged_in(logistics)

    page = client.get(f"/logistics/leftovers/{lot.pk}/").content.decode()
    response = client.post(f"/logistics/leftovers/{lot.pk}/collect/", {"quantity": "2", "reason": ""})
    refused = client.post(f"/logistics/leftovers/{lot.pk}/collect/", {"quantity": "4", "reason": ""})

    lot.refresh_from_db()
    assert 'name="quantity"' in page
    assert response.status_code == 302 and (lot.state, lot.quantity) == ("open", 3)
    assert "1–3" in field_errors(refused)["quantity"]


@pytest.mark.usefixtures("_clock")
def test_the_api_collects_part_of_a_lot_and_answers_with_the_rest(api, lot, logistics):
    response = api(logistics).post(f"/api/v1/leftover-lots/{lot.pk}/collect/", {"quantity": 2}, format="json")
    refused = api(logistics).post(f"/api/v1/leftover-lots/{lot.pk}/collect/", {"quantity": 9}, format="json")

    assert response.status_code == 200 and (response.json()["state"], response.json()["quantity"]) == ("open", 3)
    assert refused.status_code == 400 and refused.json()["errors"][0]["attr"] == "quantity"
    assert LeftoverLot.objects.get(pk=lot.pk).quantity == 3
