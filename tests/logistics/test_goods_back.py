"""Defective units of a warehouse return owed back to their supplier (SPEC §4.7): made once by the inspection, sent by
logistics, confirmed or disputed by the supplier's users, every step in the record's history."""
from datetime import timedelta

import pytest

from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.fsm import history_of
from logistics.models import GoodsBack
from logistics.services import goods_back, returns
from suppliers.models import Notice
from tests.logistics.builders import received

pytestmark = pytest.mark.django_db


def steps(goods) -> list[tuple[str, str, str]]:
    return [(log.transition, log.source_state, log.target_state) for log in history_of(goods)]


def test_a_warehouse_return_inspected_as_defective_owes_its_units_back_to_the_supplier(defective, logistics, delivered_order):
    goods = defective.goods_back

    assert (goods.state, goods.quantity, goods.supplier_id, goods.gift_id, goods.location_id) == (
        "awaiting", 1, delivered_order.supplier_id, delivered_order.gift_id, delivered_order.location_id)
    assert steps(goods) == [("create", "", "awaiting")]
    assert history_of(goods).get().actor == logistics
    assert defective.number in history_of(goods).get().reason_label


def test_an_exchange_found_defective_owes_its_unit_back_too(exchanged):
    assert exchanged.goods_back.state == "awaiting"


@pytest.mark.parametrize("outcome", ["resellable", "transit_damage", "used"])
def test_other_outcomes_owe_nothing_back(delivered_order, operator, logistics, now, outcome):
    return_request = received(delivered_order, operator=operator, handler=logistics, now=now, reason="defective")

    returns.inspect_return(return_request=return_request, actor=logistics, now=now, outcome=outcome)

    assert not GoodsBack.objects.exists()


def test_a_dropship_return_owes_nothing_back_its_goods_are_with_the_supplier(dropship_order, operator, supplier_staff, now):
    return_request = received(dropship_order, operator=operator, handler=supplier_staff, now=now, reason="defective")

    returns.inspect_return(return_request=return_request, actor=operator, now=now, outcome="defective")

    assert not GoodsBack.objects.exists()


def test_owing_back_again_finds_the_record_made_by_the_inspection(defective, owed, logistics, now):
    again = goods_back.owe_back(return_request=defective, actor=logistics, now=now + timedelta(hours=1))

    assert again == owed
    assert GoodsBack.objects.count() == 1 and len(steps(owed)) == 1


def test_logistics_sends_them_by_carrier_and_the_supplier_is_told(sent, owed, logistics, now):
    sent.refresh_from_db()
    notice = Notice.objects.get(kind="goods_back_dispatched")

    assert (sent.state, sent.method, sent.carrier, sent.tracking_number, sent.dispatched_at) == (
        "dispatched", "carrier", "顺丰", "SF-BACK-1", now + timedelta(hours=1))
    assert steps(sent)[-1] == ("send", "awaiting", "dispatched")
    assert history_of(sent).last().actor == logistics
    assert notice.supplier_id == sent.supplier_id and "SF-BACK-1" in notice.body_label and notice.link == f"/logistics/goods-back/{sent.pk}/"


def test_collected_at_the_warehouse_keeps_no_carrier(owed, logistics, now):
    goods = goods_back.dispatch_goods_back(goods=owed, actor=logistics, now=now, method="collected", carrier="顺丰", tracking_number="X1")

    assert (goods.state, goods.method, goods.carrier, goods.tracking_number) == ("dispatched", "collected", "", "")


def test_sending_by_carrier_without_its_waybill_names_both_fields_and_changes_nothing(owed, logistics, now):
    with pytest.raises(ValidationFailed) as refused:
        goods_back.dispatch_goods_back(goods=owed, actor=logistics, now=now, method="carrier")

    assert {field for field, _code, _detail in refused.value.errors} == {"carrier", "tracking_number"}
    owed.refresh_from_db()
    assert owed.state == "awaiting" and not Notice.objects.filter(kind="goods_back_dispatched").exists()


def test_an_unknown_method_is_refused_naming_it(owed, logistics, now):
    with pytest.raises(ValidationFailed) as refused:
        goods_back.dispatch_goods_back(goods=owed, actor=logistics, now=now, method="pigeon")

    assert refused.value.errors[0][0] == "method"


def test_only_logistics_sends_and_only_the_supplier_confirms(owed, sent, operator, gift_staff, logistics, now):
    with pytest.raises(PermissionDenied):
        goods_back.dispatch_goods_back(goods=owed, actor=gift_staff, now=now, method="collected")
    with pytest.raises(PermissionDenied):
        goods_back.receive_goods_back(goods=sent, actor=logistics, now=now)
    with pytest.raises(PermissionDenied):
        goods_back.dispute_goods_back(goods=sent, actor=operator, now=now, reason="x")


def test_the_supplier_confirms_receipt(sent, gift_staff, now):
    goods = goods_back.receive_goods_back(goods=sent, actor=gift_staff, now=now + timedelta(days=2))

    assert (goods.state, goods.received_at) == ("received", now + timedelta(days=2))
    assert steps(goods)[-1] == ("receive", "dispatched", "received")


def test_the_supplier_disputes_with_a_note_shown_while_disputed(disputed, gift_staff):
    disputed.refresh_from_db()

    assert disputed.state == "disputed"
    assert (disputed.objection.reason_label, disputed.objection.actor) == ("只收到 0 件", gift_staff)


def test_a_dispute_needs_a_note(sent, gift_staff, now):
    with pytest.raises(ValidationFailed) as refused:
        goods_back.dispute_goods_back(goods=sent, actor=gift_staff, now=now, reason="  ")

    assert refused.value.errors[0][:2] == ("reason", "required")
    sent.refresh_from_db()
    assert sent.state == "dispatched"


def test_after_a_dispute_logistics_sends_again_saying_why(disputed, logistics, now):
    goods = goods_back.dispatch_goods_back_again(goods=disputed, actor=logistics, now=now + timedelta(days=2), method="carrier",
                                                 carrier="中通", tracking_number="ZT-2", reason="补发缺少的 1 件")

    assert (goods.state, goods.carrier, goods.tracking_number) == ("dispatched", "中通", "ZT-2")
    assert steps(goods)[-1] == ("send_again", "disputed", "dispatched")
    assert Notice.objects.filter(kind="goods_back_dispatched").count() == 2


def test_sending_again_needs_a_reason_named_with_the_waybill(disputed, logistics, now):
    with pytest.raises(ValidationFailed) as refused:
        goods_back.dispatch_goods_back_again(goods=disputed, actor=logistics, now=now, method="carrier", reason="")

    assert {field for field, _code, _detail in refused.value.errors} == {"carrier", "tracking_number", "reason"}


def test_the_supplier_may_confirm_after_all_once_the_missing_units_turn_up(disputed, gift_staff, now):
    goods = goods_back.receive_goods_back(goods=disputed, actor=gift_staff, now=now + timedelta(days=3), reason="找到了")

    assert steps(goods)[-1] == ("receive", "disputed", "received")


@pytest.mark.parametrize(("state", "step"), [
    ("owed", "receive"), ("owed", "dispute"), ("owed", "send_again"),
    ("sent", "send"), ("sent", "send_again"),
    ("disputed", "send"), ("disputed", "dispute"),
    ("received", "send"), ("received", "send_again"), ("received", "receive"), ("received", "dispute"),
])
def test_a_step_its_state_does_not_take_is_refused_and_changes_nothing(request, state, step, logistics, gift_staff, now):
    if state == "received":
        goods = goods_back.receive_goods_back(goods=request.getfixturevalue("sent"), actor=gift_staff, now=now)
    else:
        goods = request.getfixturevalue(state)
    before = (goods.state, len(steps(goods)))
    call = {
        "send": lambda: goods_back.dispatch_goods_back(goods=goods, actor=logistics, now=now, method="collected"),
        "send_again": lambda: goods_back.dispatch_goods_back_again(goods=goods, actor=logistics, now=now, method="collected", reason="再发"),
        "receive": lambda: goods_back.receive_goods_back(goods=goods, actor=gift_staff, now=now),
        "dispute": lambda: goods_back.dispute_goods_back(goods=goods, actor=gift_staff, now=now, reason="不对"),
    }[step]

    with pytest.raises(InvalidTransition):
        call()

    goods.refresh_from_db()
    assert (goods.state, len(steps(goods))) == before


def test_the_badge_counts_what_waits_for_each_side(owed, sent, logistics, gift_staff, operator):
    assert goods_back.goods_back_waiting(logistics) == 0  # the one record is sent
    assert goods_back.goods_back_waiting(gift_staff) == 1
    assert goods_back.goods_back_waiting(operator) == 0
