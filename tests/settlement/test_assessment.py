"""Monthly assessment (SPEC §4.10): each KPI on a fixture October, the score, penalties and suspensions.

Orders, shipments, returns, complaints and replenishment requests are built as rows (the facts the KPIs count),
with the TransitionLog rows the services would write where a KPI reads a transition time.
"""
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import translation

from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.fsm import apply_transition, history_of
from logistics.models import Shipment
from settlement.models import (
    Adjustment, Assessment, Kpi, KpiResult, KpiSetting, PenaltyProposal, PenaltyRule, Section, StatementLine, SuspensionProposal,
)
from settlement.services import adjustments, generation
from settlement.services.assessment import (
    last_assessable_month,
    accept_penalty, accept_suspension, compute_month, confirm_penalty_dismissal, decline_penalty_dismissal, dismiss_penalty,
    dismiss_suspension, list_penalty_proposals, penalties_waiting, suspensions_waiting,
)
from settlement.services.assessment_rules import create_penalty_rule, set_penalty_rule_active, update_kpi_settings
from settlement.services.kpis import attainment_of, breaches, kpi_figure, kpi_value, score_of
from suppliers.models import Gift, Supplier
from suppliers.services import catalog, inventory
from tests.factories import SHANGHAI, GiftFactory, WarehouseFactory, licensed
from tests.creation import assert_history_begins_with_creation
from tests.helpers import published
from tests.settlement.kpi_facts import complaint, deadline, log, low_month, order, replenishment, returned, shipment, t

OCTOBER, SEPTEMBER = date(2026, 10, 1), date(2026, 9, 1)
ASSESSED_AT = datetime(2026, 11, 20, 3, 0, tzinfo=SHANGHAI)
Q = Decimal


def state_of(proposal: PenaltyProposal) -> str:
    return PenaltyProposal.objects.get(pk=proposal.pk).state


@pytest.fixture
def october(supplier) -> Supplier:
    """The fixture month of `supplier`; each KPI's expected figures are counted in the test that reads them."""
    # dropship orders: name, handover, first shipping, how shipping ended
    a = order(supplier, handed_over_at=t(10, 1, 0, 30), delivered_at=t(10, 3))          # handed over 00:30 on 1 Oct (Shanghai)
    shipment(a, created_at=t(10, 1, 0, 30), shipped_at=t(10, 1, 10), state="delivered")   # 9.5 h: on time
    b = order(supplier, quantity=2, handed_over_at=t(10, 5), delivered_at=t(10, 9))
    shipment(b, created_at=t(10, 5), shipped_at=t(10, 7), state="delivered")               # exactly 48 h: on time
    c = order(supplier, handed_over_at=t(10, 8), delivered_at=t(10, 15))
    shipment(c, created_at=t(10, 8), shipped_at=t(10, 10, 10, 1), state="failed")          # 48 h 01 m: late, then failed
    shipment(c, created_at=t(10, 13), shipped_at=t(10, 13, 12), state="delivered")         # delivered at the second attempt
    order(supplier, state="handed_over", handed_over_at=t(10, 31, 23, 30))               # never shipped: late
    e = order(supplier, handed_over_at=t(9, 30, 23), delivered_at=t(10, 2))               # handed over in September
    shipment(e, created_at=t(9, 30, 23), shipped_at=t(10, 1, 8), state="delivered")
    cancelled = order(supplier, state="cancelled", handed_over_at=t(10, 12))             # cancelled unshipped within its 48 h
    shipment(cancelled, created_at=t(10, 12), state="cancelled")
    log(cancelled, "cancel_before_picking", t(10, 13))
    g = order(supplier, state="cancelled", handed_over_at=t(9, 20))                      # failed, then given up in October
    shipment(g, created_at=t(9, 20), shipped_at=t(9, 21), state="failed")
    log(g, "give_up", t(10, 6))
    h = order(supplier, handed_over_at=t(9, 10), delivered_at=t(9, 28))                  # delivered in September
    shipment(h, created_at=t(9, 10), shipped_at=t(9, 11), state="delivered")
    w = order(supplier, fulfilment="warehouse", quantity=5, handed_over_at=t(10, 9), delivered_at=t(10, 10))
    shipment(w, created_at=t(10, 9), shipped_at=t(10, 20), state="delivered")            # warehouse: not a dispatch KPI
    # returns
    returned(w, quantity=2, outcome="defective")
    returned(b, quantity=1, outcome="resellable")
    returned(a, quantity=1, outcome="transit_damage")
    returned(h, quantity=1, outcome="defective")                                        # of a September delivery
    # complaints opened
    complaint(supplier, opened_at=t(10, 4))
    complaint(supplier, opened_at=t(10, 16))
    complaint(supplier, opened_at=t(10, 18), responsible="logistics")                   # triaged to the logistics provider
    complaint(supplier, opened_at=t(9, 30, 23))                                          # September
    complaint(supplier, opened_at=t(10, 25), responsible="")                             # not triaged yet
    # complaint deadlines
    deadline(supplier, due_at=t(10, 5), responded_at=t(10, 4))
    deadline(supplier, due_at=t(10, 10, 12), responded_at=t(10, 10, 12))                # answered at the deadline: met
    deadline(supplier, due_at=t(10, 20), responded_at=t(10, 21))
    deadline(supplier, due_at=t(10, 25))                                                 # never answered
    deadline(supplier, due_at=t(10, 26), responded_at=t(10, 28), responsible="logistics")
    deadline(supplier, due_at=t(11, 1, 0, 30))                                           # November
    # replenishment requests
    replenishment(supplier, due=date(2026, 10, 10), met_at=t(10, 10, 23, 30))            # met late on its due day: on time
    replenishment(supplier, due=date(2026, 10, 15), met_at=t(10, 14))
    replenishment(supplier, due=date(2026, 10, 20), met_at=t(10, 21, 0, 30))             # 30 min after the due day: late
    replenishment(supplier, due=date(2026, 10, 25), state="open")
    replenishment(supplier, due=date(2026, 10, 28), state="cancelled")
    replenishment(supplier, due=date(2026, 11, 2), met_at=t(11, 1))
    return supplier


def counted(supplier, kpi: str) -> tuple:
    """(numerator, denominator, value) of `kpi` once October is assessed."""
    compute_month(month=OCTOBER, now=ASSESSED_AT)
    result = results_of(supplier)[kpi]
    return result.numerator, result.denominator, result.value


def results_of(supplier) -> dict[str, KpiResult]:
    return {r.kpi: r for r in KpiResult.objects.filter(assessment__supplier=supplier, assessment__month=OCTOBER)}


# --- each KPI -------------------------------------------------------------------------------------------------------

def test_on_time_dispatch_counts_dropship_orders_handed_over_in_the_month_shipped_within_48_hours(october):
    # handed over in October: a (00:30 on the 1st, Shanghai), b, c, the never-shipped one (23:30 on the 31st) = 4;
    # e (September) and the one cancelled unshipped within its 48 h are out; w is a warehouse order.
    # shipped within 48 h: a (9.5 h), b (exactly 48 h) = 2; c (48 h 01 m) and the unshipped one are late.

    assert counted(october, Kpi.ON_TIME_DISPATCH) == (2, 4, Q("0.5000"))


def test_an_order_cancelled_unshipped_after_its_ship_by_time_counts_as_a_late_dispatch(supplier):
    missed = order(supplier, state="cancelled", handed_over_at=t(10, 5))
    shipment(missed, created_at=t(10, 5), state="cancelled")
    log(missed, "cancel_before_picking", t(10, 8))          # three days on, never shipped: its 48 hours had run out
    not_yet_late = order(supplier, state="cancelled", handed_over_at=t(10, 6))
    shipment(not_yet_late, created_at=t(10, 6), state="cancelled")
    log(not_yet_late, "cancel_before_picking", t(10, 7))    # within its 48 hours: the supplier was not late yet
    at_the_deadline = order(supplier, state="cancelled", handed_over_at=t(10, 7))
    shipment(at_the_deadline, created_at=t(10, 7), state="cancelled")
    log(at_the_deadline, "cancel_before_picking", t(10, 9))  # exactly 48 hours: still in time, as shipping then would be

    assert counted(supplier, Kpi.ON_TIME_DISPATCH) == (0, 1, Q("0.0000"))


def test_replenishment_on_time_counts_requests_due_in_the_month_met_by_their_due_day(october):
    # due in October and not cancelled: 10-10, 10-15, 10-20, 10-25 (open) = 4; 10-28 cancelled, 11-02 November.
    # met by the due day (Asia/Shanghai): 10-10 (met 23:30 that day), 10-15 = 2; 10-20 met at 00:30 the next day.

    assert counted(october, Kpi.REPLENISHMENT_ON_TIME) == (2, 4, Q("0.5000"))


def test_a_replenishment_request_due_on_the_last_day_of_the_month_counts_in_it_and_one_due_on_the_1st_in_the_next(supplier):
    replenishment(supplier, due=date(2026, 10, 31), met_at=t(10, 30))
    replenishment(supplier, due=date(2026, 11, 1), met_at=t(11, 3))  # late, but November's

    assert counted(supplier, Kpi.REPLENISHMENT_ON_TIME) == (1, 1, Q("1.0000"))


def test_a_replenishment_request_cancelled_because_its_gift_left_sale_is_not_counted_as_missed(supplier, operator, now):
    warehouse = WarehouseFactory(code="WH-KPI-LIVE")
    delisted, listed = (published(GiftFactory(supplier=licensed(supplier)), actor=operator, at=now) for _ in range(2))
    for gift in (delisted, listed):
        inventory.set_safety_stock(gift=gift, location=warehouse, safety_stock=5, at=now)  # due 10-22, never met
    catalog.delist_gift(gift=delisted, actor=operator, now=now, reason_code=Gift.DelistReason.LOW_SALES, reason="运营下线")

    compute_month(month=OCTOBER, now=ASSESSED_AT)

    result = results_of(supplier)[Kpi.REPLENISHMENT_ON_TIME]
    assert (result.numerator, result.denominator) == (0, 1)  # the listed gift's request, missed; the delisted one's is out


def test_first_attempt_delivery_counts_dropship_orders_whose_shipping_ended_in_the_month(october):
    # shipping ended in October: a, b, c, e delivered; g given up on 10-06 = 5 (h delivered in September, w warehouse).
    # delivered without a failed shipment: a, b, e = 3 (c failed once, g never arrived).

    assert counted(october, Kpi.FIRST_ATTEMPT_DELIVERY) == (3, 5, Q("0.6000"))


def test_a_refused_returns_parcel_back_to_the_member_counts_neither_for_nor_against_the_supplier(supplier):
    delivered = order(supplier, handed_over_at=t(10, 1), delivered_at=t(10, 3))
    shipment(delivered, created_at=t(10, 1), shipped_at=t(10, 2), state="delivered", delivered_at=t(10, 3))
    refused = returned(delivered, quantity=1, outcome="refused")
    Shipment.objects.create(order=delivered, supplier_id=supplier.pk, kind="dropship", quantity=1, created_at=t(10, 21),
                            shipped_at=t(10, 22), state="failed", send_back_for=refused)

    compute_month(month=OCTOBER, now=ASSESSED_AT)

    results = results_of(supplier)
    assert (results[Kpi.FIRST_ATTEMPT_DELIVERY].numerator, results[Kpi.FIRST_ATTEMPT_DELIVERY].denominator) == (1, 1)
    assert (results[Kpi.ON_TIME_DISPATCH].numerator, results[Kpi.ON_TIME_DISPATCH].denominator) == (1, 1)


def test_complaint_rate_counts_only_complaints_triaged_to_the_supplier_per_thousand_delivered_orders(october):
    # supplier-responsible complaints opened in October: 10-04, 10-16 = 2 (the one triaged to logistics, the one
    # opened in September and the untriaged one are out; deadline fixtures were opened in September).
    # orders delivered in October: a, b, c, e, w = 5 → 2 × 1000 / 5 = 400.

    assert counted(october, Kpi.COMPLAINT_RATE) == (2, 5, Q("400.0000"))


def test_a_complaint_triaged_to_logistics_does_not_count_against_the_supplier(supplier):
    order(supplier, fulfilment="warehouse", delivered_at=t(10, 3))
    complaint(supplier, opened_at=t(10, 4), responsible="logistics")
    deadline(supplier, due_at=t(10, 6), responsible="logistics")

    compute_month(month=OCTOBER, now=ASSESSED_AT)

    results = results_of(supplier)
    assert (results[Kpi.COMPLAINT_RATE].numerator, results[Kpi.COMPLAINT_RATE].value) == (0, Q("0"))
    assert (results[Kpi.COMPLAINT_SLA].denominator, results[Kpi.COMPLAINT_SLA].value) == (0, None)


def test_complaint_sla_counts_supplier_deadlines_due_in_the_month_answered_by_the_deadline(october):
    # supplier deadlines due in October: 10-05, 10-10 12:00, 10-20, 10-25 = 4 (logistics' and November's are out).
    # answered by the deadline: 10-05 (a day early), 10-10 (at the deadline itself) = 2.

    assert counted(october, Kpi.COMPLAINT_SLA) == (2, 4, Q("0.5000"))


def test_defect_rate_counts_defective_units_returned_of_the_units_delivered_in_the_month(october):
    # units delivered in October: a 1, b 2, c 1, e 1, w 5 = 10.
    # returned as defective, of those orders: w 2 = 2 (b's resellable, a's transit damage and h's, a September
    # delivery, are out).

    assert counted(october, Kpi.DEFECT_RATE) == (2, 10, Q("0.2000"))


# --- the score ----------------------------------------------------------------------------------------------------

def test_attainment_is_capped_for_higher_is_better_and_falls_linearly_past_a_lower_is_better_target():
    assert attainment_of(Q("0.5"), target=Q("0.95"), higher_is_better=True) == Q("0.5263")
    assert attainment_of(Q("0.99"), target=Q("0.95"), higher_is_better=True) == Q("1")
    assert attainment_of(Q("4"), target=Q("5"), higher_is_better=False) == Q("1")
    assert attainment_of(Q("7.5"), target=Q("5"), higher_is_better=False) == Q("0.5")
    assert attainment_of(Q("400"), target=Q("5"), higher_is_better=False) == Q("0")
    assert attainment_of(None, target=Q("5"), higher_is_better=False) is None


def test_the_score_weighs_attainments_over_the_kpis_that_apply():
    results = [KpiResult(weight=Q("20"), attainment=Q("0.5")), KpiResult(weight=Q("15"), attainment=Q("1")),
               KpiResult(weight=Q("15"), attainment=None)]

    # 100 × (20 × 0.5 + 15 × 1) / (20 + 15) = 100 × 25 / 35 = 71.43; the KPI without a value is left out
    assert score_of(results) == Q("71.43")
    assert score_of([KpiResult(weight=Q("20"), attainment=None)]) is None


def test_the_fixture_month_scores_from_the_default_weights_and_targets(october):
    # attainments: dispatch 0.5/0.95 = 0.5263 (w 20), replenishment 0.5/0.9 = 0.5556 (15), first attempt 0.6/0.95 =
    # 0.6316 (15), complaint rate 400 vs 5 → 0 (20), SLA 0.5/0.95 = 0.5263 (15), defect 0.2 vs 0.02 → 0 (15)
    # 100 × (10.526 + 8.334 + 9.474 + 0 + 7.8945 + 0) / 100 = 36.23

    assessment, = compute_month(month=OCTOBER, now=ASSESSED_AT).assessed

    assert assessment.score == Q("36.23")


def test_a_warehouse_supplier_is_scored_without_the_dropship_kpis(supplier):
    order(supplier, fulfilment="warehouse", delivered_at=t(10, 3))

    assessment, = compute_month(month=OCTOBER, now=ASSESSED_AT).assessed

    results = results_of(supplier)
    assert results[Kpi.ON_TIME_DISPATCH].value is None and results[Kpi.FIRST_ATTEMPT_DELIVERY].value is None
    assert assessment.score == Q("100.00")  # complaint rate 0 and defect rate 0, both on target


def test_recomputing_a_month_replaces_its_results_and_score_without_duplicates(october):
    first, = compute_month(month=OCTOBER, now=ASSESSED_AT).assessed
    complaint(october, opened_at=t(10, 30))

    second, = compute_month(month=OCTOBER, now=ASSESSED_AT.replace(hour=4)).assessed

    assert second.pk == first.pk and Assessment.objects.count() == 1
    assert KpiResult.objects.count() == len(Kpi.values)
    assert results_of(october)[Kpi.COMPLAINT_RATE].numerator == 3
    assert Assessment.objects.get().computed_at == ASSESSED_AT.replace(hour=4)


def test_a_month_not_yet_ended_cannot_be_assessed(supplier):
    with pytest.raises(ValidationFailed, match="考核窗口于 2026-12-20 关闭") as refused:
        compute_month(month=date(2026, 11, 1), now=ASSESSED_AT)

    assert refused.value.field == "month"
    assert not Assessment.objects.exists()


def test_a_month_is_assessed_from_the_20th_of_the_next_one_when_its_windows_have_closed(october):
    with pytest.raises(ValidationFailed, match="2026-11-20"):
        compute_month(month=OCTOBER, now=datetime(2026, 11, 19, 23, 59, tzinfo=SHANGHAI))  # a complaint deadline may still run
    assert not PenaltyProposal.objects.exists()

    assert len(compute_month(month=OCTOBER, now=datetime(2026, 11, 20, 0, 0, tzinfo=SHANGHAI)).assessed) == 1
    assert last_assessable_month(datetime(2026, 12, 19, 23, 59, tzinfo=SHANGHAI)) == OCTOBER
    assert last_assessable_month(datetime(2026, 12, 20, 3, 0, tzinfo=SHANGHAI)) == date(2026, 11, 1)


def test_the_last_assessable_month_turns_at_00_00_on_the_20th_in_shanghai():
    turn = datetime(2026, 11, 20, 0, 0, tzinfo=SHANGHAI)

    assert last_assessable_month(turn - timedelta(microseconds=1)) == SEPTEMBER
    assert last_assessable_month(turn) == OCTOBER


def test_recomputing_keeps_undecided_penalties_current_withdrawing_one_no_longer_breached_and_proposing_it_again(penalty, supplier):
    for day in (4, 5, 6, 7):  # 1 defective of 5 units delivered: 0.2, still above 0.05
        order(supplier, fulfilment="warehouse", delivered_at=t(10, day))
    compute_month(month=OCTOBER, now=ASSESSED_AT.replace(hour=4))
    assert (state_of(penalty), PenaltyProposal.objects.get().value) == ("proposed", Q("0.2000"))

    for day in range(8, 24):  # 1 of 21: 0.0476, within the rule
        order(supplier, fulfilment="warehouse", delivered_at=t(10, day))
    compute_month(month=OCTOBER, now=ASSESSED_AT.replace(hour=5))
    withdrawn = history_of(penalty).last()
    assert state_of(penalty) == "withdrawn"
    assert (withdrawn.transition, withdrawn.actor, withdrawn.reason) == ("withdraw", None, "重新计算后不再违反扣款规则，自动撤回")

    returned(order(supplier, fulfilment="warehouse", delivered_at=t(10, 25)), quantity=1, outcome="defective")  # 2 of 22
    compute_month(month=OCTOBER, now=ASSESSED_AT.replace(hour=6))
    assert (state_of(penalty), PenaltyProposal.objects.count(), PenaltyProposal.objects.get().value) == ("proposed", 1, Q("0.0909"))


def test_a_supplier_whose_penalty_is_decided_keeps_its_results_while_the_others_of_the_month_are_recomputed(
        penalty, supplier, other_supplier, finance):
    order(other_supplier, fulfilment="warehouse", delivered_at=t(10, 3))
    compute_month(month=OCTOBER, now=ASSESSED_AT.replace(hour=4))
    accept_penalty(proposal=penalty, actor=finance, now=t(11, 20, 10))
    kept = Assessment.objects.get(supplier=supplier)
    results = sorted(KpiResult.objects.filter(assessment=kept).values_list("kpi", "numerator", "denominator", "weight"))
    for day in range(4, 24):
        order(supplier, fulfilment="warehouse", delivered_at=t(10, day))
        order(other_supplier, fulfilment="warehouse", delivered_at=t(10, day))

    done = compute_month(month=OCTOBER, now=ASSESSED_AT.replace(hour=12))

    assert [a.supplier_id for a in done.assessed] == [other_supplier.pk] and done.kept == [supplier]
    assert (state_of(penalty), PenaltyProposal.objects.get().value) == ("accepted", Q("1.0000"))
    assert Assessment.objects.filter(supplier=supplier).values_list("score", "computed_at").get() == (kept.score, kept.computed_at)
    assert sorted(KpiResult.objects.filter(assessment=kept).values_list("kpi", "numerator", "denominator", "weight")) == results
    assert Assessment.objects.get(supplier=other_supplier).computed_at == ASSESSED_AT.replace(hour=12)
    assert KpiResult.objects.get(assessment__supplier=other_supplier, kpi=Kpi.DEFECT_RATE).denominator == 21


def test_computing_a_month_whose_every_supplier_is_decided_changes_nothing_and_reports_them_kept(penalty, supplier, finance):
    accept_penalty(proposal=penalty, actor=finance, now=t(11, 20, 10))
    before = Assessment.objects.values_list("score", "computed_at").get()

    done = compute_month(month=OCTOBER, now=ASSESSED_AT.replace(hour=12))
    asked = compute_month(month=OCTOBER, now=ASSESSED_AT.replace(hour=13), supplier_ids=[supplier.pk])

    assert (done.assessed, done.kept) == ([], [supplier]) and (asked.assessed, asked.kept) == ([], [supplier])
    assert Assessment.objects.values_list("score", "computed_at").get() == before


def test_a_month_whose_penalty_waits_again_after_its_adjustment_was_rejected_is_recomputed(penalty, supplier, finance, finance_checker):
    adjustment = accept_penalty(proposal=penalty, actor=finance, now=t(11, 20, 10)).adjustment
    adjustments.reject_adjustment(adjustment=adjustment, actor=finance_checker, now=t(11, 21), note="金额应按新规则")

    again, = compute_month(month=OCTOBER, now=ASSESSED_AT.replace(hour=12)).assessed

    assert again.computed_at == ASSESSED_AT.replace(hour=12)


def test_a_month_is_still_recomputed_for_the_suppliers_with_nothing_decided(penalty, supplier, finance):
    accept_penalty(proposal=penalty, actor=finance, now=t(11, 20, 10))

    done = compute_month(month=OCTOBER, now=ASSESSED_AT.replace(hour=12), supplier_ids=[supplier.pk + 1000])

    assert (done.assessed, done.kept) == ([], [])


# --- penalties ----------------------------------------------------------------------------------------------------

def test_each_breached_rule_proposes_one_penalty_however_often_the_month_is_computed(october):
    # dispatch 0.5 < 0.80 (−500), SLA 0.5 < 0.80 (−300), defect 0.2 > 0.05 (−500)
    compute_month(month=OCTOBER, now=ASSESSED_AT)

    compute_month(month=OCTOBER, now=ASSESSED_AT.replace(hour=5))

    proposals = PenaltyProposal.objects.order_by("rule__kpi")
    assert [(p.rule.kpi, p.value, p.amount) for p in proposals] == [
        (Kpi.COMPLAINT_SLA, Q("0.5000"), Q("-300.00")), (Kpi.DEFECT_RATE, Q("0.2000"), Q("-500.00")),
        (Kpi.ON_TIME_DISPATCH, Q("0.5000"), Q("-500.00")),
    ]


@pytest.fixture
def penalty(supplier) -> PenaltyProposal:
    """One breach: a defect rate of 1/1 > 0.05."""
    delivered = order(supplier, fulfilment="warehouse", delivered_at=t(10, 3))
    returned(delivered, quantity=1, outcome="defective")
    compute_month(month=OCTOBER, now=ASSESSED_AT)
    return PenaltyProposal.objects.get()


@pytest.mark.parametrize(("kpi", "value", "shown"), [
    (Kpi.ON_TIME_DISPATCH, Q("0.9512"), "95.12%"), (Kpi.DEFECT_RATE, Q("0.0200"), "2.00%"), (Kpi.DEFECT_RATE, Q("1.0000"), "100.00%"),
    (Kpi.COMPLAINT_SLA, Q("0.33335"), "33.34%"), (Kpi.COMPLAINT_RATE, Q("2.5000"), "2.50‰"), (Kpi.FIRST_ATTEMPT_DELIVERY, None, "—"),
])
def test_a_kpi_ratio_reads_as_a_percentage_and_the_complaint_rate_as_complaints_per_thousand(kpi, value, shown):
    assert kpi_figure(kpi, value) == shown


def test_an_accepted_penalty_gives_the_kpi_value_as_a_percentage_on_its_adjustment(penalty, finance):
    accepted = accept_penalty(proposal=penalty, actor=finance, now=t(11, 20, 10))

    assert accepted.adjustment.reason.endswith("（指标值 100.00%）")


def adjustment_lines(supplier):
    return StatementLine.objects.filter(statement__supplier=supplier, section=Section.ADJUSTMENT)


def test_an_accepted_penalty_reaches_a_statement_only_after_a_second_finance_user_approves_it(
        penalty, supplier, finance, finance_checker):
    accepted = accept_penalty(proposal=penalty, actor=finance, now=t(11, 20, 10))
    adjustment = accepted.adjustment
    generation.generate_now(month=date(2026, 11, 1), actor=finance, now=t(12, 1, 2))
    assert not adjustment_lines(supplier).exists()

    adjustments.approve_adjustment(adjustment=adjustment, actor=finance_checker, now=t(12, 1, 9))
    generation.generate_now(month=date(2026, 12, 1), actor=finance, now=datetime(2027, 1, 1, 2, tzinfo=SHANGHAI))

    assert accepted.state == PenaltyProposal.State.ACCEPTED
    assert (adjustment.kind, adjustment.amount, adjustment.source_kind, adjustment.source_id, adjustment.created_by) == (
        Adjustment.Kind.PENALTY, Q("-500.00"), "assessment", str(penalty.assessment_id), finance)
    line, = adjustment_lines(supplier)
    assert (line.amount, line.statement.month) == (Q("-500.00"), date(2026, 12, 1))
    assert adjustment.reason.startswith("2026-10 考核违约扣款：") and adjustment.reason in line.description  # Chinese on the statement
    with translation.override("en"):
        assert adjustment.reason_label.startswith("2026-10 assessment penalty: ")


def test_the_finance_user_who_accepted_a_penalty_cannot_approve_its_adjustment(penalty, finance):
    adjustment = accept_penalty(proposal=penalty, actor=finance, now=t(11, 20, 10)).adjustment

    with pytest.raises(PermissionDenied):
        adjustments.approve_adjustment(adjustment=adjustment, actor=finance, now=t(11, 21))

    adjustment.refresh_from_db()
    assert adjustment.state == Adjustment.State.PROPOSED


def test_a_penalty_is_accepted_once_and_only_by_finance(penalty, finance, operator):
    with pytest.raises(PermissionDenied):
        accept_penalty(proposal=penalty, actor=operator, now=t(11, 20, 10))
    accept_penalty(proposal=penalty, actor=finance, now=t(11, 20, 10))

    with pytest.raises(InvalidTransition):
        accept_penalty(proposal=penalty, actor=finance, now=t(11, 20, 11))

    assert Adjustment.objects.count() == 1


def test_a_dismissed_penalty_creates_no_adjustment(penalty, finance, finance_checker):
    dismiss_penalty(proposal=penalty, actor=finance, now=t(11, 20, 10), reason="退货原因经核实为物流破损")
    confirm_penalty_dismissal(proposal=penalty, actor=finance_checker, now=t(11, 20, 11))

    penalty.refresh_from_db()
    assert (penalty.state, penalty.note) == (PenaltyProposal.State.DISMISSED, "退货原因经核实为物流破损")
    assert (penalty.dismissal_requested_by, penalty.dismissed_by) == (finance, finance_checker)
    assert not Adjustment.objects.exists()


def test_the_waiver_confirmed_is_named_in_the_penalty_history_as_its_button_says(penalty, finance, finance_checker, api):
    dismiss_penalty(proposal=penalty, actor=finance, now=t(11, 20, 10), reason="物流破损")

    confirm_penalty_dismissal(proposal=penalty, actor=finance_checker, now=t(11, 20, 11))

    confirmed = history_of(penalty).last()
    assert (confirmed.transition_label, confirmed.target_label, confirmed.actor) == ("确认撤销", "已撤销", finance_checker)
    english = api(finance).get(f"/api/v1/penalty-proposals/{penalty.pk}/history/", HTTP_ACCEPT_LANGUAGE="en").json()[-1]
    assert (english["transition_label"], english["target_label"]) == ("Confirm dismissal", "Dismissed")


def test_one_finance_user_cannot_waive_a_penalty_alone(penalty, finance, finance_checker):
    dismiss_penalty(proposal=penalty, actor=finance, now=t(11, 20, 10), reason="物流破损")
    assert (penalties_waiting(finance), penalties_waiting(finance_checker)) == (0, 1)

    with pytest.raises(PermissionDenied):
        confirm_penalty_dismissal(proposal=penalty, actor=finance, now=t(11, 20, 11))
    penalty.refresh_from_db()
    assert penalty.state == PenaltyProposal.State.DISMISSING
    with pytest.raises(IntegrityError), transaction.atomic():
        PenaltyProposal.objects.filter(pk=penalty.pk).update(dismissed_by=finance)


def test_a_dismissal_is_asked_only_of_a_penalty_still_to_decide_and_decided_only_while_asked(penalty, finance, finance_checker):
    """Each step of the two-person waiver refuses a penalty in the wrong state, and leaves it as it was."""
    with pytest.raises(InvalidTransition):  # nothing asked yet
        confirm_penalty_dismissal(proposal=penalty, actor=finance_checker, now=t(11, 20, 9))
    with pytest.raises(InvalidTransition):
        decline_penalty_dismissal(proposal=penalty, actor=finance_checker, now=t(11, 20, 9), reason="仍应扣款")
    dismiss_penalty(proposal=penalty, actor=finance, now=t(11, 20, 10), reason="物流破损")
    with pytest.raises(InvalidTransition):  # asked already, waiting for a second finance user
        dismiss_penalty(proposal=penalty, actor=finance_checker, now=t(11, 20, 11), reason="再次申请")
    confirm_penalty_dismissal(proposal=penalty, actor=finance_checker, now=t(11, 20, 12))
    for step in (lambda: dismiss_penalty(proposal=penalty, actor=finance_checker, now=t(11, 20, 13), reason="再次申请"),
                 lambda: accept_penalty(proposal=penalty, actor=finance_checker, now=t(11, 20, 13))):
        with pytest.raises(InvalidTransition):  # dismissed: nothing more to decide
            step()

    penalty.refresh_from_db()
    assert penalty.state == PenaltyProposal.State.DISMISSED and not Adjustment.objects.exists()
    assert [log.transition for log in history_of(penalty)] == ["propose", "request_dismissal", "dismiss"]


def test_a_penalty_proposal_begins_its_history_proposed_by_the_system_naming_the_breach(penalty):
    assert_history_begins_with_creation(penalty)
    assert (history_of(penalty).first().reason_text, history_of(penalty).first().at) == ("考核结果违反扣款规则", ASSESSED_AT)


def test_a_declined_dismissal_leaves_the_penalty_to_decide_again(penalty, finance, finance_checker):
    dismiss_penalty(proposal=penalty, actor=finance, now=t(11, 20, 10), reason="物流破损")
    with pytest.raises(ValidationFailed) as no_reason:
        decline_penalty_dismissal(proposal=penalty, actor=finance_checker, now=t(11, 20, 11), reason=" ")
    decline_penalty_dismissal(proposal=penalty, actor=finance_checker, now=t(11, 20, 11), reason="破损系包装不当，仍应扣款")

    penalty.refresh_from_db()
    assert no_reason.value.field == "reason" and penalty.state == PenaltyProposal.State.PROPOSED
    assert accept_penalty(proposal=penalty, actor=finance_checker, now=t(11, 20, 12)).state == PenaltyProposal.State.ACCEPTED
    assert [log.transition for log in history_of(penalty)] == ["propose", "request_dismissal", "decline_dismissal", "accept"]


def test_a_penalty_whose_adjustment_is_rejected_is_proposed_again_not_lost(penalty, finance, finance_checker):
    adjustment = accept_penalty(proposal=penalty, actor=finance, now=t(11, 20, 10)).adjustment
    adjustments.reject_adjustment(adjustment=adjustment, actor=finance_checker, now=t(11, 21), note="金额应按新规则")

    assert list(list_penalty_proposals(actor=finance, state="proposed")) == [penalty]
    assert not list_penalty_proposals(actor=finance, state="accepted").exists()
    assert penalties_waiting(finance) == 1
    again = accept_penalty(proposal=penalty, actor=finance_checker, now=t(11, 22))

    assert again.state == PenaltyProposal.State.ACCEPTED and again.adjustment != adjustment
    assert again.adjustment.state == Adjustment.State.PROPOSED
    reopened = history_of(penalty).get(transition="reopen")
    assert (reopened.actor, reopened.at, reopened.target_state) == (finance_checker, t(11, 21), "proposed")
    assert reopened.reason_text == f"调账 {adjustment.number} 已驳回：金额应按新规则"
    assert [log.transition for log in history_of(penalty)] == ["propose", "accept", "reopen", "accept"]


def test_rejecting_the_adjustment_reopens_its_penalty_at_once_by_the_checker_as_the_api_shows(penalty, finance, finance_checker, api):
    adjustment = accept_penalty(proposal=penalty, actor=finance, now=t(11, 20, 10)).adjustment

    adjustments.reject_adjustment(adjustment=adjustment, actor=finance_checker, now=t(11, 21), note="金额应按新规则")

    penalty.refresh_from_db()
    reopened = history_of(penalty).last()
    assert (penalty.state, penalty.adjustment) == (PenaltyProposal.State.PROPOSED, None)
    assert (reopened.transition, reopened.actor, reopened.at) == ("reopen", finance_checker, t(11, 21))
    detail = api(finance).get(f"/api/v1/penalty-proposals/{penalty.pk}/").json()
    history = api(finance).get(f"/api/v1/penalty-proposals/{penalty.pk}/history/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert (detail["state"], detail["adjustment"]) == ("proposed", None)
    assert (history[-1]["transition"], history[-1]["actor"]) == ("reopen", finance_checker.username)
    assert history[-1]["reason"] == f"调账 {adjustment.number} 已驳回：金额应按新规则"
    assert history[-1]["reason_label"] == f"Adjustment {adjustment.number} rejected: 金额应按新规则"


def test_a_penalty_whose_adjustment_was_rejected_before_rejections_reopened_it_is_reopened_when_finance_next_acts(
        penalty, finance, finance_checker):
    adjustment = accept_penalty(proposal=penalty, actor=finance, now=t(11, 20, 10)).adjustment
    apply_transition(adjustment, "reject", actor=finance_checker, at=t(11, 21), reason="金额应按新规则", decided_by=finance_checker,
                     decided_at=t(11, 21), note="金额应按新规则")  # as rejecting did before: the proposal left accepted

    dismiss_penalty(proposal=penalty, actor=finance, now=t(11, 22), reason="不应扣款")

    assert [(log.transition, log.actor, log.at) for log in history_of(penalty)][-2:] == [
        ("reopen", finance_checker, t(11, 21)), ("request_dismissal", finance, t(11, 22))]


def test_a_reopened_penalty_may_be_dismissed_too(penalty, finance, finance_checker):
    adjustment = accept_penalty(proposal=penalty, actor=finance, now=t(11, 20, 10)).adjustment
    adjustments.reject_adjustment(adjustment=adjustment, actor=finance_checker, now=t(11, 21), note="不应扣款")

    dismiss_penalty(proposal=penalty, actor=finance_checker, now=t(11, 22), reason="不应扣款")
    confirm_penalty_dismissal(proposal=penalty, actor=finance, now=t(11, 23))

    penalty.refresh_from_db()
    assert (penalty.state, penalty.adjustment) == (PenaltyProposal.State.DISMISSED, None)


# --- suspension ---------------------------------------------------------------------------------------------------

@pytest.fixture
def active_supplier(supplier) -> Supplier:
    return supplier


def test_two_months_under_the_threshold_propose_one_suspension(active_supplier):
    low_month(active_supplier, 9)
    low_month(active_supplier, 10)
    compute_month(month=SEPTEMBER, now=t(10, 20, 3))

    compute_month(month=OCTOBER, now=ASSESSED_AT)
    compute_month(month=OCTOBER, now=ASSESSED_AT.replace(hour=4))

    proposal = SuspensionProposal.objects.get()
    assert (proposal.assessment.month, proposal.assessment.score) == (OCTOBER, Q("42.86"))


def test_one_month_under_the_threshold_proposes_no_suspension(active_supplier):
    order(active_supplier, fulfilment="warehouse", delivered_at=t(9, 3))  # September: 100
    low_month(active_supplier, 10)
    compute_month(month=SEPTEMBER, now=t(10, 20, 3))

    compute_month(month=OCTOBER, now=ASSESSED_AT)

    assert not SuspensionProposal.objects.exists()


@override_settings(ASSESSMENT_SUSPENSION_THRESHOLD="42.86")
def test_a_month_scored_exactly_at_the_threshold_after_one_under_it_proposes_no_suspension(active_supplier):
    low_month(active_supplier, 9)
    deadline(active_supplier, due_at=t(9, 10))  # September also misses a complaint deadline: further under
    low_month(active_supplier, 10)  # 42.86, the threshold itself
    compute_month(month=SEPTEMBER, now=t(10, 20, 3))

    compute_month(month=OCTOBER, now=ASSESSED_AT)

    scores = dict(Assessment.objects.values_list("month", "score"))
    assert scores[SEPTEMBER] < Q("42.86") == scores[OCTOBER]
    assert not SuspensionProposal.objects.exists()


@override_settings(ASSESSMENT_SUSPENSION_THRESHOLD=40)
def test_the_suspension_threshold_is_a_setting(active_supplier):
    low_month(active_supplier, 9)
    low_month(active_supplier, 10)
    compute_month(month=SEPTEMBER, now=t(10, 20, 3))

    compute_month(month=OCTOBER, now=ASSESSED_AT)

    assert not SuspensionProposal.objects.exists()


@pytest.fixture
def suspension(active_supplier) -> SuspensionProposal:
    low_month(active_supplier, 9)
    low_month(active_supplier, 10)
    compute_month(month=SEPTEMBER, now=t(10, 20, 3))
    compute_month(month=OCTOBER, now=ASSESSED_AT)
    return SuspensionProposal.objects.get()


def test_a_suspension_proposal_begins_its_history_proposed_by_the_system_naming_the_low_months(suspension):
    assert_history_begins_with_creation(suspension)
    assert history_of(suspension).first().reason_text == "2026-10 考核连续两月低于阈值"


def test_an_operator_accepting_a_suspension_suspends_the_supplier(suspension, active_supplier, operator):
    accept_suspension(proposal=suspension, actor=operator, now=t(11, 21))

    active_supplier.refresh_from_db()
    assert (suspension.state, active_supplier.state) == (SuspensionProposal.State.ACCEPTED, Supplier.State.SUSPENDED)
    suspended = history_of(active_supplier).last()
    assert suspended.reason_text == "2026-10 考核连续两月低于阈值"  # no reason given: the assessment's
    with translation.override("en"):
        assert suspended.reason_label == "2026-10: assessment below the threshold two months running"


def test_a_dismissed_suspension_leaves_the_supplier_active_and_finance_cannot_decide(
        suspension, active_supplier, operator, finance):
    with pytest.raises(PermissionDenied):
        dismiss_suspension(proposal=suspension, actor=finance, now=t(11, 21), reason="整改中")

    dismiss_suspension(proposal=suspension, actor=operator, now=t(11, 21), reason="已开具整改通知")

    active_supplier.refresh_from_db()
    assert (suspension.state, active_supplier.state) == (SuspensionProposal.State.DISMISSED, Supplier.State.ACTIVE)
    assert history_of(suspension).last().transition_label == "不予采纳"  # as it was: only a penalty's is named otherwise


def test_beat_assesses_the_previous_month_on_the_20th(supplier, monkeypatch):
    from django.conf import settings

    from settlement import tasks_assessment

    order(supplier, fulfilment="warehouse", delivered_at=t(10, 3))
    monkeypatch.setattr(tasks_assessment.timezone, "now", lambda: ASSESSED_AT)

    assert tasks_assessment.assess_last_month() == 1

    assert Assessment.objects.get().month == OCTOBER
    schedule = settings.CELERY_BEAT_SCHEDULE["assess-last-month"]
    assert schedule["task"] == "settlement.tasks_assessment.assess_last_month"
    assert (schedule["schedule"].day_of_month, schedule["schedule"].hour, schedule["schedule"].minute) == ({20}, {3}, {0})


def test_the_beat_delivered_again_after_a_penalty_is_decided_changes_nothing(penalty, supplier, finance, monkeypatch):
    from settlement import tasks_assessment

    accept_penalty(proposal=penalty, actor=finance, now=t(11, 20, 10))
    before = Assessment.objects.values_list("score", "computed_at").get()
    monkeypatch.setattr(tasks_assessment.timezone, "now", lambda: ASSESSED_AT.replace(hour=4))

    assert tasks_assessment.assess_last_month() == 0

    assert Assessment.objects.values_list("score", "computed_at").get() == before
    assert state_of(penalty) == "accepted"


def test_an_operator_adds_a_penalty_rule_that_the_next_computation_applies(october, operator):
    rule = create_penalty_rule(reason="测试调整", actor=operator, now=ASSESSED_AT, kpi=Kpi.FIRST_ATTEMPT_DELIVERY, threshold="0.9", deduction="200",
                               description="首次妥投率低于90%，扣款200元")

    compute_month(month=OCTOBER, now=ASSESSED_AT)

    assert (rule.threshold, rule.amount, rule.active) == (Q("0.9000"), Q("-200.00"), True)
    assert PenaltyProposal.objects.get(rule=rule).amount == Q("-200.00")


def test_a_deactivated_rule_proposes_nothing_and_keeps_the_proposals_it_made(october, operator):
    compute_month(month=OCTOBER, now=ASSESSED_AT)
    dispatch_rule = PenaltyProposal.objects.get(rule__kpi=Kpi.ON_TIME_DISPATCH).rule

    set_penalty_rule_active(reason="测试调整", rule=dispatch_rule, actor=operator, now=ASSESSED_AT, active=False)
    PenaltyProposal.objects.all().delete()
    compute_month(month=OCTOBER, now=ASSESSED_AT.replace(hour=5))

    assert sorted(PenaltyProposal.objects.values_list("rule__kpi", flat=True)) == [Kpi.COMPLAINT_SLA, Kpi.DEFECT_RATE]


@pytest.mark.parametrize(("changes", "field"), [
    ({"kpi": "speed"}, "kpi"), ({"threshold": "-0.1"}, "threshold"), ({"threshold": "abc"}, "threshold"),
    ({"threshold": "5"}, "threshold"), ({"kpi": Kpi.COMPLAINT_RATE, "threshold": "10001"}, "threshold"),
    ({"deduction": "0"}, "deduction"), ({"deduction": "-100"}, "deduction"), ({"deduction": "0.005"}, "deduction"),
    ({"deduction": "NaN"}, "deduction"), ({"description": "  "}, "description"),
])
def test_a_bad_penalty_rule_names_its_field_and_is_not_saved(operator, changes, field):
    values = {"kpi": Kpi.DEFECT_RATE, "threshold": "0.1", "deduction": "100", "description": "质量退货率高于10%"} | changes

    with pytest.raises(ValidationFailed) as refused:
        create_penalty_rule(reason="测试调整", actor=operator, now=ASSESSED_AT, **values)

    assert refused.value.field == field
    assert not PenaltyRule.objects.filter(description="质量退货率高于10%").exists()


def test_an_unreadable_deduction_is_refused_with_a_positive_example(operator):
    values = {"kpi": Kpi.DEFECT_RATE, "threshold": "0.1", "deduction": "一百", "description": "质量退货率高于10%"}

    with pytest.raises(ValidationFailed) as refused:
        create_penalty_rule(reason="测试调整", actor=operator, now=ASSESSED_AT, **values)

    assert (refused.value.field, refused.value.detail) == ("deduction", "金额格式不正确，应为数字，最多两位小数，如 200.00")


def test_only_operators_maintain_penalty_rules(finance, supplier_admin):
    rule = PenaltyRule.objects.first()
    for actor in (finance, supplier_admin):
        with pytest.raises(PermissionDenied):
            create_penalty_rule(reason="测试调整", actor=actor, now=ASSESSED_AT, kpi=Kpi.DEFECT_RATE, threshold="0.1", deduction="1", description="x")
        with pytest.raises(PermissionDenied):
            set_penalty_rule_active(reason="测试调整", rule=rule, actor=actor, now=ASSESSED_AT, active=False)
    assert rule.active and PenaltyRule.objects.count() == 3


def test_a_penalty_proposal_waits_for_finance_until_decided(penalty, finance, operator):
    assert (penalties_waiting(finance), penalties_waiting(operator)) == (1, 0)

    dismiss_penalty(proposal=penalty, actor=finance, now=ASSESSED_AT, reason="已协商")

    assert penalties_waiting(finance) == 0


def test_a_suspension_proposal_waits_for_an_operator_until_decided(suspension, operator, finance):
    assert (suspensions_waiting(operator), suspensions_waiting(finance)) == (1, 0)

    dismiss_suspension(proposal=suspension, actor=operator, now=ASSESSED_AT, reason="已整改")

    assert suspensions_waiting(operator) == 0


def test_a_complaint_rate_rule_takes_a_threshold_per_thousand_deliveries(operator):
    rule = create_penalty_rule(reason="测试调整", actor=operator, now=ASSESSED_AT, kpi=Kpi.COMPLAINT_RATE, threshold="8", deduction="300.50",
                               description="投诉率高于每千单8件")

    assert (rule.threshold, rule.amount) == (Q("8.0000"), Q("-300.50"))


def test_a_ratio_threshold_out_of_range_names_the_kpi(operator):
    with pytest.raises(ValidationFailed) as refused:
        create_penalty_rule(reason="测试调整", actor=operator, now=ASSESSED_AT, kpi=Kpi.DEFECT_RATE, threshold="8", deduction="300",
                            description="质量退货率高于8")

    assert (refused.value.field, str(refused.value.detail)) == ("threshold", "质量退货率是比率，应在 0 到 1 之间（0.95 即 95%）")


# --- KPI settings -------------------------------------------------------------------------------------------------
def stored_settings() -> dict:
    return {s.kpi: (s.weight, s.target) for s in KpiSetting.objects.all()}


def test_an_operator_changes_several_kpi_settings_together(operator):
    update_kpi_settings(reason="测试调整", actor=operator, now=ASSESSED_AT, values={
        Kpi.ON_TIME_DISPATCH: {"weight": "30", "target": "0.9"}, Kpi.COMPLAINT_RATE: {"target": "3.5"},
    })

    settings = stored_settings()
    assert settings[Kpi.ON_TIME_DISPATCH] == (Q("30.00"), Q("0.9000"))
    assert settings[Kpi.COMPLAINT_RATE] == (Q("20.00"), Q("3.5000"))


@pytest.mark.parametrize(("values", "field"), [
    ({Kpi.ON_TIME_DISPATCH: {"weight": "-1"}}, "on_time_dispatch.weight"),
    ({Kpi.ON_TIME_DISPATCH: {"weight": "101"}}, "on_time_dispatch.weight"),
    ({Kpi.ON_TIME_DISPATCH: {"weight": "abc"}}, "on_time_dispatch.weight"),
    ({Kpi.ON_TIME_DISPATCH: {"target": "95"}}, "on_time_dispatch.target"),
    ({Kpi.DEFECT_RATE: {"target": "-0.01"}}, "defect_rate.target"),
    ({Kpi.COMPLAINT_RATE: {"target": "10001"}}, "complaint_rate.target"),
    ({"speed": {"weight": "10"}}, "speed"),
    ({kpi: {"weight": "0"} for kpi in Kpi.values}, "weight"),
])
def test_a_bad_kpi_setting_names_its_kpi_and_field_and_nothing_is_saved(operator, values, field):
    before = stored_settings()
    values = {Kpi.COMPLAINT_SLA: {"weight": "40"}} | values

    with pytest.raises(ValidationFailed) as refused:
        update_kpi_settings(reason="测试调整", actor=operator, now=ASSESSED_AT, values=values)

    assert [error[0] for error in refused.value.errors] == [field]
    assert stored_settings() == before


def test_zeroing_the_last_weighted_kpi_is_refused(operator):
    update_kpi_settings(reason="测试调整", actor=operator, now=ASSESSED_AT, values={kpi: {"weight": "0"} for kpi in Kpi.values[1:]})
    before = stored_settings()

    with pytest.raises(ValidationFailed) as refused:
        update_kpi_settings(reason="测试调整", actor=operator, now=ASSESSED_AT, values={Kpi.values[0]: {"weight": "0"}})

    assert refused.value.field == "weight" and stored_settings() == before


def test_every_bad_kpi_setting_is_reported_at_once(operator):
    with pytest.raises(ValidationFailed) as refused:
        update_kpi_settings(reason="测试调整", actor=operator, now=ASSESSED_AT, values={
            Kpi.ON_TIME_DISPATCH: {"weight": "-5", "target": "2"}, Kpi.COMPLAINT_RATE: {"target": "20000"},
        })

    assert [error[0] for error in refused.value.errors] == [
        "on_time_dispatch.weight", "on_time_dispatch.target", "complaint_rate.target"]


def test_only_operators_change_kpi_settings(finance, supplier_admin):
    before = stored_settings()
    for actor in (finance, supplier_admin):
        with pytest.raises(PermissionDenied):
            update_kpi_settings(reason="测试调整", actor=actor, now=ASSESSED_AT, values={Kpi.ON_TIME_DISPATCH: {"weight": "30"}})

    assert stored_settings() == before


def test_only_an_undecided_penalty_is_withdrawn_and_only_a_withdrawn_one_proposed_again(penalty, finance):
    with pytest.raises(InvalidTransition):
        apply_transition(penalty, "propose_again", actor=None, at=ASSESSED_AT)
    accept_penalty(proposal=penalty, actor=finance, now=t(11, 20, 10))

    with pytest.raises(InvalidTransition):
        apply_transition(PenaltyProposal.objects.get(pk=penalty.pk), "withdraw", actor=None, at=ASSESSED_AT)
    assert state_of(penalty) == "accepted"


def test_a_ratio_shown_at_a_higher_is_better_minimum_does_not_breach_it():
    rule = PenaltyRule(kpi=Kpi.ON_TIME_DISPATCH, threshold=Decimal("0.9"), amount=Decimal("100.00"), description="发货及时率不足")

    assert not breaches(rule, kpi_value(Kpi.ON_TIME_DISPATCH, 9, 10), higher_is_better=True)  # 90.00%: met
    assert not breaches(rule, kpi_value(Kpi.ON_TIME_DISPATCH, 17999, 20000), higher_is_better=True)  # 89.995% shown 90.00%
    assert breaches(rule, kpi_value(Kpi.ON_TIME_DISPATCH, 8999, 10000), higher_is_better=True)  # 89.99%


def test_a_complaint_rate_shown_at_the_limit_does_not_breach_it():
    rule = PenaltyRule(kpi=Kpi.COMPLAINT_RATE, threshold=Decimal("5"), amount=Decimal("100.00"), description="投诉率超限")

    value = kpi_value(Kpi.COMPLAINT_RATE, 6, 1199)  # 5.0042 per 1,000

    assert kpi_figure(Kpi.COMPLAINT_RATE, value) == "5.00‰"
    assert not breaches(rule, value, higher_is_better=False)
    assert breaches(rule, kpi_value(Kpi.COMPLAINT_RATE, 5, 999), higher_is_better=False)  # 5.005 → 5.01‰
