"""A leftover lot disposed of in part (SPEC §4.8): the units disposed are written off, the rest stay in the open lot with
its deadline, the history says who disposed of how many, when and why; the disposal fee is the tariff's price per lot,
charged once, at the lot's first disposal (the unique key disposal_fee_once_per_lot) — in the service, on the lot's
page and in the API; a quantity beyond the lot's units, or a closed lot, is refused and changes nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from core.errors import InvalidTransition, ValidationFailed
from core.fsm import history_of
from logistics.errors import DisposalTooEarly, FeeAlreadyRecorded
from logistics.models import ExtraCost, LeftoverLot
from logistics.services import costs, leftovers
from suppliers.models import Notice, StockMovement
from tests.factories import SupplierUserFactory
from tests.logistics.leftover_world import DEADLINE, RETIRED_ON, at_0010, on_hand
from tests.portal import field_errors, logged_in

pytestmark = pytest.mark.django_db
AFTER_DEADLINE = at_0010(DEADLINE + timedelta(days=1)).replace(hour=9)
LATER = AFTER_DEADLINE + timedelta(days=1)


def disposal_fees(lot) -> list[Decimal]:
    return list(ExtraCost.objects.filter(lot=lot, kind="disposal").values_list("amount", flat=True))


def test_disposing_of_part_of_a_lot_writes_those_units_off_and_leaves_the_rest_open(lot, logistics):
    disposed = leftovers.dispose_lot(lot=lot, actor=logistics, now=AFTER_DEADLINE, quantity=2, reason="包装破损")

    lot.refresh_from_db()
    assert (disposed.pk, lot.state, lot.quantity, lot.collect_by, lot.closed_at) == (lot.pk, "open", 3, DEADLINE, None)
    assert on_hand(lot) == 3
    movement = StockMovement.objects.get(source_type="leftover_lot")
    assert (movement.kind, movement.on_hand_delta, movement.source_id) == ("write_off", -2, str(lot.pk))
    step = history_of(lot).last()
    assert (step.transition, step.source_state, step.target_state, step.actor_id, step.at, step.reason_label) == (
        "dispose_part", "open", "open", logistics.pk, AFTER_DEADLINE, "销毁处置 2 件，余 3 件待处理：包装破损",
    )


def test_the_first_disposal_charges_the_lots_fee_once_and_disposing_of_the_rest_charges_nothing_more(lot, logistics):
    leftovers.dispose_lot(lot=lot, actor=logistics, now=AFTER_DEADLINE, quantity=2, reason="包装破损")
    leftovers.dispose_lot(lot=lot, actor=logistics, now=LATER, quantity=1, reason="受潮")
    leftovers.dispose_lot(lot=lot, actor=logistics, now=LATER, reason="逾期未取回")

    lot.refresh_from_db()
    assert (lot.state, lot.quantity, on_hand(lot)) == ("disposed", 2, 0)
    assert disposal_fees(lot) == [Decimal("20.00")]
    assert [step.transition for step in history_of(lot)] == ["record", "dispose_part", "dispose_part", "dispose"]
    bodies = [notice.body_text for notice in Notice.objects.filter(supplier=lot.supplier, title__contains="销毁处置").order_by("pk")]
    fee = ExtraCost.objects.get(lot=lot, kind="disposal")
    assert bodies == [
        f"{lot.location.name} 的 2 件逾期未取回，已销毁处置，余 3 件待处理；处置费 ¥20.00 由贵司承担，每批次只收取一次。原因：包装破损",
        f"{lot.location.name} 的 1 件逾期未取回，已销毁处置，余 2 件待处理；本批次的处置费 ¥20.00 已收取（{fee.reference}），不再重复收费。原因：受潮",
        f"{lot.location.name} 的 2 件逾期未取回，已销毁处置；本批次的处置费 ¥20.00 已收取（{fee.reference}），不再重复收费。原因：逾期未取回",
    ]


def test_a_lot_disposed_of_in_part_and_then_collected_still_bears_its_one_disposal_fee(lot, logistics):
    leftovers.dispose_lot(lot=lot, actor=logistics, now=AFTER_DEADLINE, quantity=4, reason="包装破损")
    leftovers.collect_lot(lot=lot, actor=logistics, now=LATER)

    lot.refresh_from_db()
    assert (lot.state, lot.quantity, on_hand(lot)) == ("collected", 1, 0)
    assert disposal_fees(lot) == [Decimal("20.00")]


def test_a_second_disposal_fee_entered_by_hand_for_a_lot_disposed_of_in_part_is_refused(lot, logistics):
    leftovers.dispose_lot(lot=lot, actor=logistics, now=AFTER_DEADLINE, quantity=2, reason="包装破损")

    with pytest.raises(FeeAlreadyRecorded):
        costs.record_extra_cost(kind="disposal", payer="supplier", lot=lot, description="", actor=logistics, now=LATER)

    assert disposal_fees(lot) == [Decimal("20.00")]


def test_a_disposal_fee_entered_by_hand_for_an_open_lot_nothing_of_which_was_disposed_of_is_refused_on_the_lot(lot, logistics):
    leftovers.collect_lot(lot=lot, actor=logistics, now=AFTER_DEADLINE, quantity=2)

    with pytest.raises(ValidationFailed) as refused:
        costs.record_extra_cost(kind="disposal", payer="supplier", lot=lot, description="", actor=logistics, now=LATER)

    assert refused.value.field == "lot" and disposal_fees(lot) == []


@pytest.mark.parametrize("quantity", [0, 6, "2", True])
def test_disposing_of_more_than_the_lot_holds_is_refused_on_the_quantity_and_changes_nothing(lot, logistics, quantity):
    with pytest.raises(ValidationFailed) as refused:
        leftovers.dispose_lot(lot=lot, actor=logistics, now=AFTER_DEADLINE, quantity=quantity, reason="包装破损")

    lot.refresh_from_db()
    assert refused.value.field == "quantity" and "1–5" in refused.value.detail
    assert (lot.state, lot.quantity, on_hand(lot)) == ("open", 5, 5)
    assert not ExtraCost.objects.filter(lot=lot).exists() and [step.transition for step in history_of(lot)] == ["record"]


def test_disposing_of_part_of_a_closed_lot_is_refused_for_its_state_and_changes_nothing(lot, logistics):
    leftovers.collect_lot(lot=lot, actor=logistics, now=AFTER_DEADLINE)

    with pytest.raises(InvalidTransition):
        leftovers.dispose_lot(lot=lot, actor=logistics, now=LATER, quantity=1, reason="包装破损")

    lot.refresh_from_db()
    assert (lot.state, lot.quantity) == ("collected", 5) and disposal_fees(lot) == []


def test_part_of_a_lot_cannot_be_disposed_of_before_its_deadline(lot, logistics):
    with pytest.raises(DisposalTooEarly):
        leftovers.dispose_lot(lot=lot, actor=logistics, now=RETIRED_ON + timedelta(days=1), quantity=1, reason="占用库位")

    lot.refresh_from_db()
    assert (lot.state, lot.quantity, on_hand(lot)) == ("open", 5, 5)


@pytest.mark.parametrize("reason", ["", "   "])
def test_disposing_of_part_of_a_lot_needs_a_reason(lot, logistics, reason):
    with pytest.raises(ValidationFailed) as refused:
        leftovers.dispose_lot(lot=lot, actor=logistics, now=AFTER_DEADLINE, quantity=1, reason=reason)

    assert refused.value.field == "reason" and LeftoverLot.objects.get(pk=lot.pk).quantity == 5


# --- the page and the API -------------------------------------------------------------------------------------
@pytest.fixture
def _clock():
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        yield


@pytest.fixture
def owner(lot):
    return SupplierUserFactory(username="lot_owner", role="supplier_staff", supplier=lot.supplier)


@pytest.mark.usefixtures("_clock")
def test_logistics_disposes_of_part_of_a_lot_from_its_page_and_a_wrong_quantity_is_shown_on_the_field(lot, logistics):
    client = logged_in(logistics)

    page = client.get(f"/logistics/leftovers/{lot.pk}/").content.decode()
    response = client.post(f"/logistics/leftovers/{lot.pk}/dispose/", {"quantity": "2", "reason": "包装破损"})
    refused = client.post(f"/logistics/leftovers/{lot.pk}/dispose/", {"quantity": "4", "reason": "包装破损"})
    unexplained = client.post(f"/logistics/leftovers/{lot.pk}/dispose/", {"quantity": "1", "reason": ""})

    lot.refresh_from_db()
    dispose_form = page[page.rindex("<form", 0, page.index('data-action="dispose"')):page.index('data-action="dispose"')]
    assert 'name="quantity"' in dispose_form
    assert response.status_code == 302 and (lot.state, lot.quantity) == ("open", 3)
    assert refused.status_code == 400 and "1–3" in field_errors(refused)["quantity"]
    assert unexplained.status_code == 400 and "reason" in field_errors(unexplained)
    assert disposal_fees(lot) == [Decimal("20.00")]


@pytest.mark.usefixtures("_clock")
def test_the_api_disposes_of_part_of_a_lot_and_answers_with_the_rest_and_its_fees(api, lot, logistics):
    response = api(logistics).post(f"/api/v1/leftover-lots/{lot.pk}/dispose/", {"quantity": 2, "reason": "包装破损"}, format="json")
    refused = api(logistics).post(f"/api/v1/leftover-lots/{lot.pk}/dispose/", {"quantity": 9, "reason": "包装破损"}, format="json")

    assert response.status_code == 200
    assert (response.json()["state"], response.json()["quantity"], response.json()["fee_amount"]) == ("open", 3, "22.00")
    assert refused.status_code == 400 and refused.json()["errors"][0]["attr"] == "quantity"
    assert LeftoverLot.objects.get(pk=lot.pk).quantity == 3


@pytest.mark.usefixtures("_clock")
def test_only_logistics_disposes_of_part_of_a_lot(api, lot, owner, operator, finance, other_supplier_admin):
    body = {"quantity": 1, "reason": "包装破损"}

    statuses = [api(user).post(f"/api/v1/leftover-lots/{lot.pk}/dispose/", body, format="json").status_code
                for user in (owner, operator, finance, other_supplier_admin)]

    assert statuses == [403, 403, 403, 404]
    assert LeftoverLot.objects.get(pk=lot.pk).quantity == 5 and not ExtraCost.objects.filter(lot=lot).exists()


@pytest.mark.usefixtures("_clock")
def test_the_supplier_reads_the_partial_disposal_in_its_lots_history_and_another_supplier_gets_a_404(api, lot, logistics, owner,
                                                                                                     other_supplier_admin):
    leftovers.dispose_lot(lot=lot, actor=logistics, now=AFTER_DEADLINE, quantity=2, reason="包装破损")

    history = api(owner).get(f"/api/v1/leftover-lots/{lot.pk}/history/")
    page = logged_in(owner).get(f"/logistics/leftovers/{lot.pk}/")
    others = [api(other_supplier_admin).get(f"/api/v1/leftover-lots/{lot.pk}/history/").status_code,
              logged_in(other_supplier_admin).get(f"/logistics/leftovers/{lot.pk}/").status_code]

    assert history.status_code == 200 and page.status_code == 200
    assert "销毁处置 2 件，余 3 件待处理：包装破损" in str(history.json()) and "销毁处置 2 件，余 3 件待处理：包装破损" in page.content.decode()
    assert 'data-action="dispose"' not in page.content.decode()
    assert others == [404, 404]
