"""Rectification cases and re-evaluations (SPEC §4.10): every case transition and an illegal one, overdue at the
deadline boundary, idempotent scheduling, the proposal rule, and what each decision does to the supplier."""
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection, models
from django.utils import translation

from core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from core.fsm import history_of
from core.models import Notification, TransitionLog
from logistics.models import LeftoverLot
from settlement.models import Assessment, ReEvaluation, RectificationCase
from settlement.services import cases, re_evaluation
from suppliers.errors import ActivationBlocked
from suppliers.models import Gift, Notice, Supplier
from suppliers.services import inventory, onboarding
from tests.factories import SHANGHAI, ApplicantFactory, GiftFactory, SupplierUserFactory, UserFactory, WarehouseFactory, ready_to_activate
from tests.portal import field_errors, logged_in, nav, repeated_ids
from tests.helpers import fresh_key, only_notice, published

pytestmark = pytest.mark.django_db

DEADLINE = date(2026, 11, 14)


@pytest.fixture
def active_supplier(operator, now):
    """An applicant approved at `now`: its cooperation starts then."""
    supplier = ready_to_activate(ApplicantFactory())
    onboarding.start_supplier_review(supplier=supplier, actor=operator, now=now)
    return onboarding.approve_supplier(supplier=supplier, actor=operator, now=now)


@pytest.fixture
def staff(active_supplier):
    return SupplierUserFactory(username="case_staff", role="supplier_staff", supplier=active_supplier)


@pytest.fixture
def open_case(active_supplier, operator, now):
    return cases.open_case(supplier=active_supplier, kind="rectification", reason="9月按时发货率 80%，低于目标", deadline=DEADLINE,
                           actor=operator, now=now)


@pytest.fixture
def answered_case(open_case, staff, now):
    return cases.answer_case(case=open_case, answer="已增加发货人手，每日两次发货", actor=staff, now=now + timedelta(days=3))


def scores(supplier, *values, last=date(2026, 9, 1)):
    """Assessments of consecutive months ending with `last`, the latest score last."""
    month = last
    for value in reversed(values):
        Assessment.objects.create(supplier=supplier, month=month, score=Decimal(value), computed_at=datetime(2026, 10, 20, tzinfo=SHANGHAI))
        month = (month - timedelta(days=1)).replace(day=1)


# --- cases ------------------------------------------------------------------------------------------------------
def test_opening_a_case_tells_the_supplier_by_inbox_and_sms(open_case, active_supplier):
    assert (open_case.state, open_case.kind, open_case.deadline) == ("open", "rectification", DEADLINE)
    assert open_case.number.startswith("RC20261015")
    assert Notice.objects.filter(supplier=active_supplier, kind="rectification_case").count() == 1
    notice = Notice.objects.get(supplier=active_supplier, kind="rectification_case")
    assert Notification.objects.filter(kind="supplier_notice", phone=active_supplier.contact_phone, subject_id=str(notice.pk)).count() == 1


def test_the_case_notice_links_to_the_case(open_case, active_supplier):
    assert Notice.objects.get(supplier=active_supplier, kind="rectification_case").link == f"/settlement/cases/{open_case.pk}/"


def test_a_deadline_of_today_is_refused_and_nothing_is_opened(active_supplier, operator, now):
    with pytest.raises(ValidationFailed) as refused:
        cases.open_case(supplier=active_supplier, kind="warning", reason="迟发", deadline=now.date(), actor=operator, now=now)

    assert refused.value.field == "deadline"
    assert not RectificationCase.objects.exists() and not Notice.objects.filter(kind="rectification_case").exists()


@pytest.mark.parametrize("state", [Supplier.State.APPLIED, Supplier.State.REJECTED, Supplier.State.TERMINATED])
def test_a_case_against_a_supplier_not_in_cooperation_is_refused_naming_the_supplier(state, active_supplier, operator, now, api):
    Supplier.objects.filter(pk=active_supplier.pk).update(state=state)
    active_supplier.refresh_from_db()

    with pytest.raises(ValidationFailed) as refused:
        cases.open_case(supplier=active_supplier, kind="warning", reason="迟发", deadline=DEADLINE, actor=operator, now=now)
    through_api = api(operator).post("/api/v1/rectification-cases/", {
        "supplier": active_supplier.pk, "kind": "warning", "reason": "迟发", "deadline": "2099-01-01"}, format="json", **fresh_key())

    assert refused.value.field == "supplier" and active_supplier.name in str(refused.value.detail)
    assert through_api.status_code == 400 and "supplier" in str(through_api.json()), through_api.content
    assert not RectificationCase.objects.exists() and not Notice.objects.filter(kind="rectification_case").exists()


def test_only_an_operator_opens_a_case(active_supplier, finance, now):
    with pytest.raises(PermissionDenied):
        cases.open_case(supplier=active_supplier, kind="warning", reason="迟发", deadline=DEADLINE, actor=finance, now=now)

    assert not RectificationCase.objects.exists()


def test_a_case_reason_of_500_characters_opens_it_and_one_longer_is_refused_naming_the_reason(active_supplier, operator, now):
    def opened(reason: str):
        return cases.open_case(supplier=active_supplier, kind="warning", reason=reason, deadline=DEADLINE, actor=operator, now=now)

    with pytest.raises(ValidationFailed) as refused:
        opened("迟" * 501)
    assert (refused.value.field, RectificationCase.objects.count()) == ("reason", 0) and "500" in refused.value.detail

    assert len(opened("迟" * 500).reason) == 500


@pytest.mark.parametrize("step", ["send_back", "close"])
def test_a_reason_longer_than_500_characters_to_send_back_or_close_a_case_is_refused_and_changes_nothing(answered_case, operator,
                                                                                                          now, step):
    service = {"send_back": cases.send_back_case, "close": cases.close_case}[step]

    with pytest.raises(ValidationFailed) as refused:
        service(case=answered_case, reason="证" * 501, actor=operator, now=now)

    answered_case.refresh_from_db()
    assert (refused.value.field, answered_case.state, list(history_of(answered_case))[-1].transition) == ("reason", "answered",
                                                                                                         "submit_answer")


def test_the_migration_to_500_characters_stops_naming_the_cases_whose_reason_is_longer(open_case):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("settlement.migrations.0019_case_reason_at_most_500_characters")
    if connection.vendor == "postgresql":  # the column as it was before (a text), in the test's transaction rolled back with it
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # PostgreSQL alters no table with foreign-key checks pending
        reason, text = RectificationCase._meta.get_field("reason"), models.TextField()
        text.set_attributes_from_name("reason")
        with connection.schema_editor() as editor:
            editor.alter_field(RectificationCase, reason, text)
    RectificationCase.objects.filter(pk=open_case.pk).update(reason="旧" * 501)  # what the text column held before

    with pytest.raises(RuntimeError) as stopped:
        migration.refuse_longer_reasons(apps, None)

    assert f"{open_case.number} (501)" in str(stopped.value)


def test_the_supplier_answers_its_open_case(answered_case, now):
    answered_case.refresh_from_db()

    assert answered_case.state == "answered"
    assert answered_case.answer == "已增加发货人手，每日两次发货"
    assert answered_case.answered_at == now + timedelta(days=3)


def test_another_supplier_cannot_answer_and_the_case_stays_open(open_case, other_supplier_admin, now):
    with pytest.raises(NotFound):
        cases.answer_case(case=open_case, answer="不是我们的", actor=other_supplier_admin, now=now)

    open_case.refresh_from_db()
    assert (open_case.state, open_case.answer) == ("open", "")


def test_sending_back_reopens_the_case_with_a_new_deadline(answered_case, operator, now):
    cases.send_back_case(case=answered_case, reason="请附上发货记录", deadline=date(2026, 11, 30), actor=operator,
                         now=now + timedelta(days=4))

    answered_case.refresh_from_db()
    assert (answered_case.state, answered_case.deadline) == ("open", date(2026, 11, 30))
    assert [log.transition for log in history_of(answered_case)] == ["open", "submit_answer", "send_back"]


def test_every_answer_stays_in_the_history_when_a_case_sent_back_is_answered_again(answered_case, operator, staff, api, now):
    cases.send_back_case(case=answered_case, reason="请附上发货记录", actor=operator, now=now + timedelta(days=4))

    cases.answer_case(case=answered_case, answer="已附上九月发货记录", actor=staff, now=now + timedelta(days=5))

    answers = [log.reason for log in history_of(answered_case) if log.transition == "submit_answer"]
    assert answers == ["已增加发货人手，每日两次发货", "已附上九月发货记录"] and answered_case.answer == "已附上九月发货记录"
    history = api(operator).get(f"/api/v1/rectification-cases/{answered_case.pk}/history/").json()
    assert [entry["reason"] for entry in history if entry["transition"] == "submit_answer"] == answers


def test_sending_back_with_a_new_deadline_keeps_the_old_and_the_new_deadline_in_the_history(answered_case, operator, api, now):
    cases.send_back_case(case=answered_case, reason="请附上发货记录", deadline=date(2026, 11, 30), actor=operator,
                         now=now + timedelta(days=4))

    sent_back = history_of(answered_case).last()
    assert (sent_back.transition, sent_back.reason_text) == ("send_back", "整改期限 2026-11-14 → 2026-11-30：请附上发货记录")
    with translation.override("en"):
        assert sent_back.reason_label == "Rectification deadline 2026-11-14 → 2026-11-30: 请附上发货记录"
    history = api(operator).get(f"/api/v1/rectification-cases/{answered_case.pk}/history/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert history[-1]["reason_label"] == "Rectification deadline 2026-11-14 → 2026-11-30: 请附上发货记录"


def test_sending_back_without_a_new_deadline_keeps_the_reason_alone(answered_case, operator, now):
    cases.send_back_case(case=answered_case, reason="请附上发货记录", actor=operator, now=now + timedelta(days=4))

    assert history_of(answered_case).last().reason_text == "请附上发货记录"


def test_sending_back_needs_a_reason(answered_case, operator, now):
    with pytest.raises(ValidationFailed):
        cases.send_back_case(case=answered_case, reason=" ", actor=operator, now=now)

    answered_case.refresh_from_db()
    assert answered_case.state == "answered"


def test_the_operator_closes_an_answered_case(answered_case, operator, now):
    cases.close_case(case=answered_case, actor=operator, now=now + timedelta(days=5), reason="整改到位")

    answered_case.refresh_from_db()
    assert (answered_case.state, answered_case.closed_at) == ("closed", now + timedelta(days=5))


def test_closing_a_case_tells_the_supplier_why_by_inbox_and_sms(answered_case, active_supplier, operator, now):
    cases.close_case(case=answered_case, actor=operator, now=now + timedelta(days=5), reason="整改到位")

    closed = Notice.objects.get(supplier=active_supplier, title="%(number)s 已结案")
    assert (closed.title_text, closed.body_text, closed.link) == (
        f"{answered_case.number} 已结案", "结案说明：整改到位", f"/settlement/cases/{answered_case.pk}/")
    assert Notification.objects.filter(kind="supplier_notice", subject_id=str(closed.pk)).count() == 1


def test_the_suppliers_answer_tells_the_supplier_nothing(open_case, staff, active_supplier, now):
    told = Notice.objects.filter(supplier=active_supplier).count()
    cases.answer_case(case=open_case, answer="已增加发货人手", actor=staff, now=now + timedelta(days=3))

    assert Notice.objects.filter(supplier=active_supplier).count() == told


def test_closing_a_case_needs_a_reason_and_changes_nothing_without_one(answered_case, operator, now):
    with pytest.raises(ValidationFailed) as refused:
        cases.close_case(case=answered_case, actor=operator, now=now, reason="  ")

    assert refused.value.field == "reason"
    answered_case.refresh_from_db()
    assert (answered_case.state, answered_case.closed_at) == ("answered", None)


def test_the_closing_reason_is_kept_in_the_cases_history(answered_case, operator, now):
    cases.close_case(case=answered_case, actor=operator, now=now + timedelta(days=5), reason="  复查发货记录，整改到位 ")

    assert [(log.transition, log.reason) for log in history_of(answered_case)][-1] == ("close", "复查发货记录，整改到位")


def test_answering_a_closed_case_is_refused_and_changes_nothing(answered_case, operator, staff, now):
    cases.close_case(case=answered_case, actor=operator, now=now, reason="整改到位")

    with pytest.raises(InvalidTransition):
        cases.answer_case(case=answered_case, answer="再补充", actor=staff, now=now)

    answered_case.refresh_from_db()
    assert (answered_case.state, answered_case.answer) == ("closed", "已增加发货人手，每日两次发货")


def test_an_open_case_cannot_be_sent_back(open_case, operator, now):
    with pytest.raises(InvalidTransition):
        cases.send_back_case(case=open_case, reason="?", deadline=date(2026, 11, 30), actor=operator, now=now)

    open_case.refresh_from_db()
    assert open_case.state == "open"
    assert open_case.deadline == DEADLINE  # the refused step's new deadline is not written either


def test_a_case_is_not_overdue_on_its_deadline_day_and_is_the_next_morning(open_case):
    last_minute = datetime(2026, 11, 14, 23, 59, tzinfo=SHANGHAI)
    next_morning = datetime(2026, 11, 15, 0, 0, tzinfo=SHANGHAI)

    assert list(cases.overdue_cases(now=last_minute)) == []
    assert list(cases.overdue_cases(now=next_morning)) == [open_case]


def test_an_answered_case_is_not_overdue(answered_case):
    assert list(cases.overdue_cases(now=datetime(2026, 12, 1, tzinfo=SHANGHAI))) == []


def test_the_case_list_puts_overdue_cases_first(open_case, active_supplier, operator, now):
    sooner = cases.open_case(supplier=active_supplier, kind="warning", reason="迟发", deadline=date(2026, 10, 20), actor=operator, now=now)
    later = cases.open_case(supplier=active_supplier, kind="warning", reason="迟发", deadline=date(2026, 12, 20), actor=operator, now=now)

    listed = cases.list_cases(actor=operator, now=datetime(2026, 11, 16, tzinfo=SHANGHAI))

    assert [(case.pk, case.overdue) for case in listed] == [(sooner.pk, True), (open_case.pk, True), (later.pk, False)]


# --- re-evaluation: scheduling and proposal ---------------------------------------------------------------------
def test_a_contract_ending_soon_gets_one_re_evaluation_30_days_before_its_end_however_often_the_job_runs(active_supplier):
    near_the_end = datetime(2027, 11, 1, 1, 15, tzinfo=SHANGHAI)  # the contract ends 2027-12-31

    first = re_evaluation.schedule_re_evaluations(now=near_the_end)
    second = re_evaluation.schedule_re_evaluations(now=near_the_end)

    by_contract = ReEvaluation.objects.get(supplier=active_supplier, contract__isnull=False)
    assert by_contract.due_on == date(2027, 12, 1)
    assert len(first) >= 1 and second == []


def test_a_contract_s_re_evaluation_appears_from_the_day_its_end_is_90_days_away(active_supplier):
    """Due 30 days before the contract ends (2027-12-31), listed once that due date is within 60 days."""
    day_before = re_evaluation.schedule_re_evaluations(now=datetime(2027, 10, 1, 23, 59, tzinfo=SHANGHAI))
    by_contract_before = ReEvaluation.objects.filter(supplier=active_supplier, contract__isnull=False).exists()

    re_evaluation.schedule_re_evaluations(now=datetime(2027, 10, 2, 0, 10, tzinfo=SHANGHAI))

    assert not by_contract_before and all(r.contract_id is None for r in day_before)
    assert ReEvaluation.objects.get(supplier=active_supplier, contract__isnull=False).due_on == date(2027, 12, 1)


def test_a_supplier_without_a_decision_in_twelve_months_gets_one_due_in_30_days_once(active_supplier, now):
    TransitionLog.objects.filter(transition="approve", object_id=active_supplier.pk).update(at=now - timedelta(days=400))  # cooperating since

    first = re_evaluation.schedule_re_evaluations(now=now)
    second = re_evaluation.schedule_re_evaluations(now=now + timedelta(hours=1))

    assert [(r.supplier_id, r.due_on, r.contract_id) for r in first] == [(active_supplier.pk, date(2026, 11, 14), None)]
    assert second == []


def test_a_supplier_cooperating_for_less_than_twelve_months_gets_no_yearly_re_evaluation_until_its_first_year_is_over(
    active_supplier, now,
):
    assert re_evaluation.schedule_re_evaluations(now=now + timedelta(days=300)) == []

    a_year_on = re_evaluation.schedule_re_evaluations(now=now + timedelta(days=366))

    assert [r.supplier_id for r in a_year_on] == [active_supplier.pk]  # by then its contract's, which stands for the yearly one


def test_a_decision_exactly_a_year_ago_still_counts_and_one_a_second_older_makes_the_yearly_re_evaluation_due(
    active_supplier, operator, now,
):
    TransitionLog.objects.filter(transition="approve", object_id=active_supplier.pk).update(at=now - timedelta(days=400))
    earlier = ReEvaluation.objects.create(supplier=active_supplier, due_on=date(2025, 11, 1), created_at=now - timedelta(days=400))
    re_evaluation.decide_re_evaluation(re_evaluation=earlier, decision="renew", actor=operator, now=now - timedelta(days=365))

    on_the_day = re_evaluation.schedule_re_evaluations(now=now)
    a_second_on = re_evaluation.schedule_re_evaluations(now=now + timedelta(seconds=1))

    assert on_the_day == []
    assert [(r.supplier_id, r.contract_id) for r in a_second_on] == [(active_supplier.pk, None)]


def test_a_supplier_decided_within_twelve_months_gets_no_yearly_re_evaluation(active_supplier, operator, now):
    earlier = ReEvaluation.objects.create(supplier=active_supplier, due_on=date(2026, 3, 1), created_at=now - timedelta(days=240))
    re_evaluation.decide_re_evaluation(re_evaluation=earlier, decision="renew", actor=operator, now=now - timedelta(days=200))

    assert re_evaluation.schedule_re_evaluations(now=now) == []


@pytest.mark.parametrize(
    ("recent", "proposed", "average"),
    [
        ((), "", None),  # no scored assessment: nothing to propose from
        (("85", "90", "80"), "renew", Decimal("85.00")),
        (("70", "65", "75"), "rectify", Decimal("70.00")),
        (("55", "70", "45"), "suspend", Decimal("56.67")),
        (("95", "95", "95", "95", "58", "59"), "suspend", Decimal("82.83")),  # two latest under 60
        (("10", "80", "80", "80", "80", "80", "80"), "renew", Decimal("80.00")),  # only the last six count
        (("79.99", "80.00"), "renew", Decimal("80.00")),  # 79.995 shows 80.00, and is judged as shown
        (("79.98", "79.99"), "rectify", Decimal("79.99")),  # 79.985 rounds half up, as every score does
        (("60", "65", "55"), "rectify", Decimal("60.00")),  # an average of exactly 60 is rectified, not suspended
        (("70", "60", "60"), "rectify", Decimal("63.33")),  # the two latest at the threshold are not under it
    ],
)
def test_the_recent_scores_propose_the_decision(active_supplier, recent, proposed, average):
    scores(active_supplier, *recent)

    proposal = re_evaluation.propose(supplier=active_supplier)

    assert (proposal.decision, proposal.average_score) == (proposed, average)


def proposal_shown(response) -> str:
    return re.search(r'data-testid="proposed">([^<]*)</td>', response.content.decode()).group(1)


def test_without_a_scored_assessment_the_page_and_the_api_propose_nothing(active_supplier, operator, api, now):
    """An assessment not scored (a month without facts) is no data either; the decision form preselects nothing."""
    Assessment.objects.create(supplier=active_supplier, month=date(2026, 9, 1), score=None, computed_at=now)
    ReEvaluation.objects.create(supplier=active_supplier, due_on=date(2026, 11, 1), created_at=now, proposed="renew")
    re_evaluation.schedule_re_evaluations(now=now)  # refreshes the waiting proposals
    due = ReEvaluation.objects.get(supplier=active_supplier, due_on=date(2026, 11, 1))
    client = logged_in(operator)

    page = client.get(f"/settlement/re-evaluations/{due.pk}/")
    english = client.get(f"/settlement/re-evaluations/{due.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    listing = client.get("/settlement/re-evaluations/").content.decode()
    answer = api(operator).get(f"/api/v1/re-evaluations/{due.pk}/").json()

    assert proposal_shown(page) == "无考核数据，请人工判断" and "无考核数据，请人工判断" in listing
    assert "No assessment data: decide manually" in english
    assert page.context["form"]["decision"].value() == ""
    assert (answer["proposed"], answer["average_score"]) == ("", None)


def test_a_re_evaluation_with_scores_shows_their_proposal_chosen_in_the_form(active_supplier, operator, now):
    due = ReEvaluation.objects.create(supplier=active_supplier, due_on=date(2026, 11, 1), created_at=now)
    scores(active_supplier, "70", "65", "75")
    re_evaluation.schedule_re_evaluations(now=now)  # refreshes the waiting proposals

    page = logged_in(operator).get(f"/settlement/re-evaluations/{due.pk}/")

    assert proposal_shown(page) == "限期整改" and page.context["form"]["decision"].value() == "rectify"


# --- re-evaluation: decisions -----------------------------------------------------------------------------------
@pytest.fixture
def due(active_supplier, now):
    return ReEvaluation.objects.create(supplier=active_supplier, due_on=date(2026, 11, 1), created_at=now, proposed="rectify")


def test_renewing_leaves_the_supplier_as_it_is(due, active_supplier, operator, now):
    re_evaluation.decide_re_evaluation(re_evaluation=due, decision="renew", actor=operator, now=now)

    active_supplier.refresh_from_db()
    assert (due.state, due.decision, due.decided_by) == ("decided", "renew", operator)
    assert active_supplier.state == "active" and not RectificationCase.objects.exists()


def test_renewing_a_suspended_supplier_reactivates_it_with_the_operator_and_the_decision_in_its_history(due, active_supplier, operator, now):
    onboarding.suspend_supplier(supplier=active_supplier, actor=operator, now=now, reason="整改期间暂停")

    re_evaluation.decide_re_evaluation(re_evaluation=due, decision="renew", actor=operator, now=now, note="整改到位")

    active_supplier.refresh_from_db()
    reactivated = history_of(active_supplier).last()
    assert (due.state, due.decision, active_supplier.state) == ("decided", "renew", "active")
    assert (reactivated.transition, reactivated.actor, reactivated.at) == ("reactivate", operator, now)
    assert reactivated.reason_text == "复评结论为续约合作：整改到位"
    with translation.override("en"):
        assert reactivated.reason_label == "Re-evaluation decided to renew the cooperation: 整改到位"
    assert only_notice(active_supplier, "supplier_reactivated") and only_notice(active_supplier, "re_evaluation_renewed")


def test_renewing_a_suspended_supplier_without_a_valid_licence_is_refused_and_changes_nothing(due, active_supplier, operator, now):
    onboarding.suspend_supplier(supplier=active_supplier, actor=operator, now=now, reason="整改期间暂停")
    after_the_licence_expired = datetime(2028, 1, 5, 10, 0, tzinfo=SHANGHAI)

    with pytest.raises(ActivationBlocked):
        re_evaluation.decide_re_evaluation(re_evaluation=due, decision="renew", actor=operator, now=after_the_licence_expired)

    due.refresh_from_db()
    active_supplier.refresh_from_db()
    assert (due.state, due.decision, active_supplier.state) == ("due", "", "suspended")
    assert not Notice.objects.filter(kind__in=["re_evaluation_renewed", "supplier_reactivated"]).exists()


def test_renewing_tells_the_supplier_with_the_operators_note_and_a_link_to_the_re_evaluation(due, active_supplier, operator, now):
    re_evaluation.decide_re_evaluation(re_evaluation=due, decision="renew", actor=operator, now=now, note="考核稳定")

    notice = only_notice(active_supplier, "re_evaluation_renewed")
    assert notice.title_text == "复评结果：续约合作"
    assert notice.body_text == "复评（截止 2026-11-01）的结论为续约合作，请按合同流程提交新合同。说明：考核稳定"
    assert notice.link == f"/settlement/re-evaluations/{due.pk}/"


def test_a_rectify_decision_sends_no_renewal_notice(due, active_supplier, operator, now):
    re_evaluation.decide_re_evaluation(re_evaluation=due, decision="rectify", actor=operator, now=now, note="投诉率偏高")

    assert not Notice.objects.filter(kind="re_evaluation_renewed").exists()


def test_rectify_opens_a_rectification_case_due_in_30_days(due, active_supplier, operator, now):
    re_evaluation.decide_re_evaluation(re_evaluation=due, decision="rectify", note="投诉率偏高，限期整改", actor=operator, now=now)

    case = RectificationCase.objects.get(supplier=active_supplier)
    assert (case.kind, case.state, case.deadline, case.reason) == ("rectification", "open", date(2026, 11, 14), "投诉率偏高，限期整改")


def test_suspend_suspends_the_supplier_and_takes_its_gifts_offline(due, active_supplier, operator, now):
    online = GiftFactory(supplier=active_supplier)
    published(online, actor=operator, at=now)

    re_evaluation.decide_re_evaluation(re_evaluation=due, decision="suspend", note="连续两月低于60分", actor=operator, now=now)

    active_supplier.refresh_from_db()
    online.refresh_from_db()
    assert (active_supplier.state, online.state) == ("suspended", "offline")


def test_terminate_retires_every_gift_and_turns_warehouse_stock_into_leftover_lots(due, active_supplier, operator, now):
    online, draft = GiftFactory(supplier=active_supplier), GiftFactory(supplier=active_supplier)
    published(online, actor=operator, at=now)
    warehouse = WarehouseFactory()
    inventory.receive_stock(gift=online, location=warehouse, quantity=6, at=now)
    inventory.receive_stock(gift=draft, location=warehouse, quantity=2, at=now)

    re_evaluation.decide_re_evaluation(re_evaluation=due, decision="terminate", note="严重违约，终止合作", actor=operator, now=now)

    active_supplier.refresh_from_db()
    assert active_supplier.state == Supplier.State.TERMINATED
    assert set(Gift.objects.filter(supplier=active_supplier).values_list("state", flat=True)) == {"retired"}
    lots = LeftoverLot.objects.order_by("gift_id").values_list("gift_id", "location_id", "quantity", "supplier_id")
    assert list(lots) == [(online.pk, warehouse.pk, 6, active_supplier.pk), (draft.pk, warehouse.pk, 2, active_supplier.pk)]


def test_suspending_an_already_suspended_supplier_is_refused_and_the_re_evaluation_stays_due(due, active_supplier, operator, now):
    onboarding.suspend_supplier(supplier=active_supplier, actor=operator, now=now, reason="整改期间暂停")

    with pytest.raises(InvalidTransition):
        re_evaluation.decide_re_evaluation(re_evaluation=due, decision="suspend", note="再次暂停", actor=operator, now=now)

    due.refresh_from_db()
    assert (due.state, due.decision) == ("due", "")


@pytest.mark.parametrize("decision", ["renew", "rectify"])
def test_a_terminated_suppliers_re_evaluation_needs_no_decision_and_leaves_the_queue(due, active_supplier, operator, now, decision):
    from core.errors import Conflict

    onboarding.terminate_supplier(supplier=active_supplier, actor=operator, now=now, reason="严重违约")

    with pytest.raises(Conflict):
        re_evaluation.decide_re_evaluation(re_evaluation=due, decision=decision, note="限期整改", actor=operator, now=now)

    due.refresh_from_db()
    assert due.state == "due" and not RectificationCase.objects.filter(supplier=active_supplier).exists()
    assert re_evaluation.re_evaluations_waiting(operator) == 0


def test_renewing_with_a_supplier_read_before_its_suspension_reactivates_the_supplier_as_it_now_is(due, operator, now):
    read_earlier = ReEvaluation.objects.select_related("supplier").get(pk=due.pk)
    suspended = onboarding.suspend_supplier(supplier=Supplier.objects.get(pk=due.supplier_id), actor=operator, now=now, reason="整改期间暂停")

    re_evaluation.decide_re_evaluation(re_evaluation=read_earlier, decision="renew", actor=operator, now=now, note="整改到位")

    suspended.refresh_from_db()
    assert (suspended.state, history_of(suspended).last().transition) == ("active", "reactivate")
    assert (read_earlier.state, read_earlier.supplier.state) == ("decided", "active")


def test_deciding_with_a_supplier_read_before_its_termination_is_refused_and_decides_nothing(due, operator, now):
    from core.errors import Conflict

    read_earlier = ReEvaluation.objects.select_related("supplier").get(pk=due.pk)
    onboarding.terminate_supplier(supplier=Supplier.objects.get(pk=due.supplier_id), actor=operator, now=now, reason="严重违约")

    with pytest.raises(Conflict):
        re_evaluation.decide_re_evaluation(re_evaluation=read_earlier, decision="renew", actor=operator, now=now)

    due.refresh_from_db()
    assert due.state == "due" and not Notice.objects.filter(kind="re_evaluation_renewed").exists()


def test_a_decided_re_evaluation_cannot_be_decided_again(due, operator, now):
    re_evaluation.decide_re_evaluation(re_evaluation=due, decision="renew", actor=operator, now=now)

    with pytest.raises(InvalidTransition):
        re_evaluation.decide_re_evaluation(re_evaluation=due, decision="terminate", note="改判", actor=operator, now=now)

    due.refresh_from_db()
    assert due.decision == "renew"


def test_a_decision_other_than_renew_needs_a_note(due, operator, now):
    with pytest.raises(ValidationFailed) as refused:
        re_evaluation.decide_re_evaluation(re_evaluation=due, decision="terminate", actor=operator, now=now)

    assert refused.value.field == "note"
    due.refresh_from_db()
    assert due.state == "due"


def test_a_re_evaluation_is_overdue_the_day_after_it_was_due(due):
    assert list(re_evaluation.overdue_re_evaluations(now=datetime(2026, 11, 1, 23, 59, tzinfo=SHANGHAI))) == []
    assert list(re_evaluation.overdue_re_evaluations(now=datetime(2026, 11, 2, 0, 0, tzinfo=SHANGHAI))) == [due]


# --- API and pages ------------------------------------------------------------------------------------------------
def test_an_operator_opens_a_case_through_the_api_and_the_supplier_answers_it(active_supplier, operator, staff, api):
    opened = api(operator).post("/api/v1/rectification-cases/", {"supplier": active_supplier.pk, "kind": "warning",
                                                                  "reason": "迟发", "deadline": "2099-01-01"}, format="json", **fresh_key())
    assert opened.status_code == 201, opened.content

    answered = api(staff).post(f"/api/v1/rectification-cases/{opened.json()['id']}/answer/", {"answer": "已整改"}, format="json")

    assert (answered.status_code, answered.json()["state"]) == (200, "answered")
    history = api(operator).get(f"/api/v1/rectification-cases/{opened.json()['id']}/history/").json()
    assert [(entry["transition"], entry["actor"]) for entry in history] == [("open", "operator"), ("submit_answer", staff.username)]


def test_a_case_sent_again_with_its_idempotency_key_is_opened_once(active_supplier, operator, api):
    body, key = {"supplier": active_supplier.pk, "kind": "warning", "reason": "迟发", "deadline": "2099-01-01"}, fresh_key()
    first = api(operator).post("/api/v1/rectification-cases/", body, format="json", **key)

    again = api(operator).post("/api/v1/rectification-cases/", body, format="json", **key)

    assert (again.status_code, again.json()["id"], again["Idempotent-Replayed"]) == (201, first.json()["id"], "true")
    assert RectificationCase.objects.count() == 1


def test_a_case_reason_longer_than_500_characters_is_a_400_naming_the_reason_through_the_api(active_supplier, operator, api):
    response = api(operator).post("/api/v1/rectification-cases/", {"supplier": active_supplier.pk, "kind": "warning",
                                                                    "reason": "迟" * 501, "deadline": "2099-01-01"}, format="json", **fresh_key())

    assert response.status_code == 400 and [error["attr"] for error in response.json()["errors"]] == ["reason"]
    assert not RectificationCase.objects.exists()


def test_closing_a_closed_case_through_the_api_is_a_409(open_case, operator, api):
    api(operator).post(f"/api/v1/rectification-cases/{open_case.pk}/close/", {"reason": "警告已知悉"}, format="json")

    response = api(operator).post(f"/api/v1/rectification-cases/{open_case.pk}/close/", {"reason": "再次关闭"}, format="json")

    assert response.status_code == 409


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
def test_closing_a_case_through_the_api_without_a_reason_is_a_400_naming_it(open_case, operator, api, body):
    response = api(operator).post(f"/api/v1/rectification-cases/{open_case.pk}/close/", body, format="json")

    assert response.status_code == 400
    assert [error["attr"] for error in response.json()["errors"]] == ["reason"]
    open_case.refresh_from_db()
    assert open_case.state == "open"


def test_a_supplier_cannot_close_its_case_through_the_api(open_case, staff, api):
    response = api(staff).post(f"/api/v1/rectification-cases/{open_case.pk}/close/", {"reason": "已整改"}, format="json")

    assert response.status_code == 403
    open_case.refresh_from_db()
    assert open_case.state == "open"


def test_the_closing_reason_shows_in_the_case_history_through_the_api(open_case, operator, api):
    api(operator).post(f"/api/v1/rectification-cases/{open_case.pk}/close/", {"reason": "警告已知悉"}, format="json")

    history = api(operator).get(f"/api/v1/rectification-cases/{open_case.pk}/history/").json()

    assert [(entry["transition"], entry["reason"]) for entry in history] == [("open", ""), ("close", "警告已知悉")]


def test_another_suppliers_case_and_re_evaluation_are_404s_in_the_api(open_case, due, other_supplier_admin, api):
    client = api(other_supplier_admin)

    assert client.get(f"/api/v1/rectification-cases/{open_case.pk}/").status_code == 404
    assert client.post(f"/api/v1/rectification-cases/{open_case.pk}/answer/", {"answer": "x"}, format="json").status_code == 404
    assert client.get(f"/api/v1/re-evaluations/{due.pk}/").status_code == 404
    assert client.get("/api/v1/rectification-cases/").json()["results"] == []
    assert client.get("/api/v1/re-evaluations/").json()["results"] == []
    open_case.refresh_from_db()
    assert open_case.state == "open"


def test_the_operator_decides_through_the_api(due, active_supplier, operator, api):
    response = api(operator).post(f"/api/v1/re-evaluations/{due.pk}/decide/", {"decision": "suspend", "note": "连续低分"}, format="json")

    assert (response.status_code, response.json()["decision"]) == (200, "suspend")
    active_supplier.refresh_from_db()
    assert active_supplier.state == "suspended"


def test_the_api_lists_only_overdue_re_evaluations_when_asked(active_supplier, operator, api, now):
    """The API reads the wall clock: one re-evaluation long past due, one far ahead."""
    ReEvaluation.objects.create(supplier=active_supplier, due_on=date(2090, 1, 1), created_at=now)
    ReEvaluation.objects.create(supplier=active_supplier, due_on=date(2020, 1, 1), created_at=now)

    listed = api(operator).get("/api/v1/re-evaluations/?overdue=true").json()["results"]

    assert [(r["due_on"], r["overdue"]) for r in listed] == [("2020-01-01", True)]


def test_the_supplier_answers_on_the_case_page(open_case, staff):
    client = logged_in(staff)

    response = client.post(f"/settlement/cases/{open_case.pk}/answer/", {"answer": "已增加发货人手"}, follow=True)

    assert response.status_code == 200 and "已增加发货人手" in response.content.decode()
    open_case.refresh_from_db()
    assert open_case.state == "answered"


def test_closing_a_case_on_its_page_with_a_reason_over_500_characters_shows_the_error_next_to_it(open_case, operator):
    response = logged_in(operator).post(f"/settlement/cases/{open_case.pk}/close/", {"reason": "知" * 501})

    assert response.status_code == 400 and "500" in field_errors(response)["reason"]
    open_case.refresh_from_db()
    assert open_case.state == "open"


def test_closing_a_case_on_its_page_without_a_reason_shows_the_error_next_to_it(open_case, operator):
    response = logged_in(operator).post(f"/settlement/cases/{open_case.pk}/close/", {"reason": " "})

    assert response.status_code == 400 and "reason" in field_errors(response)
    open_case.refresh_from_db()
    assert open_case.state == "open"


def test_the_closing_reason_shows_in_the_history_on_the_case_page(open_case, operator, staff):
    logged_in(operator).post(f"/settlement/cases/{open_case.pk}/close/", {"reason": "警告已知悉，不再跟进"})

    page = logged_in(staff).get(f"/settlement/cases/{open_case.pk}/").content.decode()

    history = page.split('data-testid="history"', 1)[1].split("</table>", 1)[0]
    assert "警告已知悉，不再跟进" in history


def test_the_case_page_shows_the_first_answer_in_the_history_after_the_case_is_answered_again(answered_case, operator, staff, now):
    cases.send_back_case(case=answered_case, reason="请附上发货记录", actor=operator, now=now + timedelta(days=4))
    logged_in(staff).post(f"/settlement/cases/{answered_case.pk}/answer/", {"answer": "已附上九月发货记录"})

    page = logged_in(operator).get(f"/settlement/cases/{answered_case.pk}/").content.decode()

    history = page.split('data-testid="history"', 1)[1].split("</table>", 1)[0]
    assert history.index("已增加发货人手，每日两次发货") < history.index("已附上九月发货记录")


def test_an_empty_answer_on_the_page_shows_the_error_and_changes_nothing(open_case, staff):
    response = logged_in(staff).post(f"/settlement/cases/{open_case.pk}/answer/", {"answer": ""})

    assert response.status_code == 400 and 'data-field="answer"' in response.content.decode()
    open_case.refresh_from_db()
    assert open_case.state == "open"


def test_an_action_sent_from_a_stale_page_says_why_it_was_refused(open_case, due, operator, now):
    client = logged_in(operator)
    client.post(f"/settlement/cases/{open_case.pk}/close/", {"reason": "已整改"}, follow=True)
    re_evaluation.decide_re_evaluation(re_evaluation=due, decision="renew", actor=operator, now=now)

    closed_again = client.post(f"/settlement/cases/{open_case.pk}/close/", {"reason": "再次关闭"})
    decided_again = client.post(f"/settlement/re-evaluations/{due.pk}/", {"decision": "renew"})

    assert closed_again.status_code == 409 and decided_again.status_code == 200  # a case's state is said first
    for response in (closed_again, decided_again):
        assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_another_suppliers_case_and_re_evaluation_pages_are_404s(open_case, due, other_supplier_admin):
    client = logged_in(other_supplier_admin)

    assert client.get(f"/settlement/cases/{open_case.pk}/").status_code == 404
    assert client.post(f"/settlement/cases/{open_case.pk}/answer/", {"answer": "x"}).status_code == 404
    assert client.get(f"/settlement/re-evaluations/{due.pk}/").status_code == 404
    assert open_case.number not in client.get("/settlement/cases/").content.decode()


def test_finance_reads_cases_and_re_evaluations_in_the_portal_as_through_the_api_without_acting(open_case, due, finance):
    client = logged_in(finance)

    navigation = nav(client.get("/"))
    cases_page, case_page = client.get("/settlement/cases/"), client.get(f"/settlement/cases/{open_case.pk}/")
    due_page = client.get(f"/settlement/re-evaluations/{due.pk}/")

    assert "整改单" in navigation and "复评" in navigation
    assert open_case.number in cases_page.content.decode() and open_case.supplier.name in cases_page.content.decode()
    assert cases_page.context["form"] is None and case_page.context["actions"] == []
    assert client.get("/settlement/re-evaluations/").status_code == 200 and due_page.context["form"] is None
    assert client.post(f"/settlement/cases/{open_case.pk}/close/", {"reason": "财务"}).status_code == 403
    assert client.post(f"/settlement/re-evaluations/{due.pk}/", {"decision": "renew"}).status_code == 403


def test_the_operator_opens_a_case_from_the_list_page(active_supplier, operator):
    response = logged_in(operator).post("/settlement/cases/", {"supplier": active_supplier.pk, "kind": "warning",
                                                                  "reason": "包装破损投诉", "deadline": "2099-01-01",
                                                                  "token": "case-1"}, follow=True)

    assert response.status_code == 200 and "包装破损投诉" in response.content.decode()
    assert RectificationCase.objects.get().supplier == active_supplier


def test_the_case_form_sent_twice_opens_one_case_said_once_and_goes_to_it_both_times(active_supplier, operator):
    client = logged_in(operator)
    form = {"supplier": active_supplier.pk, "kind": "warning", "reason": "包装破损投诉", "deadline": "2099-01-01", "token": "double-click"}
    first = client.post("/settlement/cases/", form, follow=True)

    again = client.post("/settlement/cases/", form, follow=True)

    case = RectificationCase.objects.get()
    assert first.redirect_chain == again.redirect_chain == [(f"/settlement/cases/{case.pk}/", 302)]
    assert "整改单已开立，已通知礼品商" in first.content.decode() and "整改单已开立，已通知礼品商" not in again.content.decode()


@pytest.mark.parametrize("deadline", ["9999-12-31", "0001-01-01", "2100-01-01"])
def test_a_case_deadline_outside_the_business_years_is_shown_next_to_it_and_opens_no_case(active_supplier, operator, deadline):
    response = logged_in(operator).post("/settlement/cases/", {"supplier": active_supplier.pk, "kind": "warning",
                                                                  "reason": "包装破损投诉", "deadline": deadline,
                                                                  "token": "case-1"})

    assert response.status_code == 200 and field_errors(response) == {"deadline": "日期须在 2000–2099 年"}
    assert not RectificationCase.objects.exists()


def test_an_api_case_deadline_outside_the_business_years_is_a_400_naming_it(active_supplier, operator, api):
    response = api(operator).post("/api/v1/rectification-cases/", {"supplier": active_supplier.pk, "kind": "warning",
                                                                    "reason": "迟发", "deadline": "9999-12-31"}, format="json", **fresh_key())

    assert response.status_code == 400
    assert [(error["attr"], error["detail"]) for error in response.json()["errors"]] == [("deadline", "日期须在 2000–2099 年")]
    assert not RectificationCase.objects.exists()


def test_the_operator_decides_terminate_on_the_page(due, active_supplier, operator):
    response = logged_in(operator).post(f"/settlement/re-evaluations/{due.pk}/", {"decision": "terminate", "note": "严重违约"},
                                          follow=True)

    assert response.status_code == 200 and 'data-testid="decision"' in response.content.decode()
    active_supplier.refresh_from_db()
    assert active_supplier.state == "terminated"


def test_suppliers_cannot_decide_on_the_page(due, staff):
    assert logged_in(staff).post(f"/settlement/re-evaluations/{due.pk}/", {"decision": "renew"}).status_code == 403

    due.refresh_from_db()
    assert due.state == "due"


def test_the_operator_sees_overdue_re_evaluations_first(active_supplier, operator, now):
    """The page reads the wall clock: 2090 is ahead, 2020 and 2021 long past."""
    for due_on in (date(2090, 1, 1), date(2021, 1, 1), date(2020, 1, 1)):
        ReEvaluation.objects.create(supplier=active_supplier, due_on=due_on, created_at=now)

    page = logged_in(operator).get("/settlement/re-evaluations/").content.decode()

    assert page.index("2020-01-01") < page.index("2021-01-01") < page.index("2090-01-01")
    assert 'data-testid="overdue-count"' in page


def test_the_overdue_badge_links_to_the_overdue_re_evaluations_the_api_lists_and_staff_filter_by_supplier(
        active_supplier, other_supplier, operator, api, now):
    """The page reads the wall clock: 2090 is ahead, 2020 and 2021 long past."""
    late = [ReEvaluation.objects.create(supplier=active_supplier, due_on=date(year, 1, 1), created_at=now).pk for year in (2020, 2021)]
    ahead = ReEvaluation.objects.create(supplier=active_supplier, due_on=date(2090, 1, 1), created_at=now)
    others = ReEvaluation.objects.create(supplier=other_supplier, due_on=date(2090, 1, 1), created_at=now)
    client = logged_in(operator)

    badge = re.search(r'<a class="badge bad" href="([^"]+)" data-testid="overdue-count">', client.get("/settlement/re-evaluations/").content.decode())

    assert badge and badge.group(1) == "/settlement/re-evaluations/?overdue=1"
    assert sorted(due.pk for due in client.get(badge.group(1)).context["page_obj"]) == sorted(late)
    assert sorted(r["id"] for r in api(operator).get("/api/v1/re-evaluations/?overdue=true").json()["results"]) == sorted(late)
    not_late = client.get("/settlement/re-evaluations/", {"overdue": "false"}).context["page_obj"]
    assert sorted(due.pk for due in not_late) == sorted([ahead.pk, others.pk])
    assert [due.pk for due in client.get("/settlement/re-evaluations/", {"supplier": other_supplier.pk}).context["page_obj"]] == [others.pk]


def test_the_operator_filters_the_cases_to_those_overdue_as_the_api_does(open_case, operator, api, now):
    """The page reads the wall clock: the case's deadline is long past, the other's far ahead."""
    ahead = cases.open_case(supplier=open_case.supplier, kind="warning", reason="提醒", deadline=date(2090, 1, 1), actor=operator, now=now)
    client = logged_in(operator)

    overdue = [case.pk for case in client.get("/settlement/cases/", {"overdue": "1"}).context["page_obj"]]
    not_overdue = [case.pk for case in client.get("/settlement/cases/", {"overdue": "false"}).context["page_obj"]]

    assert overdue == [open_case.pk] == [r["id"] for r in api(operator).get("/api/v1/rectification-cases/?overdue=true").json()["results"]]
    assert not_overdue == [ahead.pk]


def test_an_open_case_waits_for_the_supplier_and_an_answered_one_for_the_operator(open_case, staff, operator, other_supplier_admin, now):
    assert [cases.cases_waiting(user) for user in (staff, operator, other_supplier_admin)] == [1, 0, 0]

    cases.answer_case(case=open_case, answer="已整改", actor=staff, now=now)

    assert [cases.cases_waiting(user) for user in (staff, operator, other_supplier_admin)] == [0, 1, 0]


def test_a_due_re_evaluation_waits_for_an_operator(due, operator, staff):
    assert (re_evaluation.re_evaluations_waiting(operator), re_evaluation.re_evaluations_waiting(staff)) == (1, 0)


def test_a_post_to_the_case_page_without_an_action_is_not_allowed_and_changes_nothing(open_case, staff):
    response = logged_in(staff).post(f"/settlement/cases/{open_case.pk}/", {"answer": "已增加发货人手"})

    assert response.status_code == 405
    open_case.refresh_from_db()
    assert open_case.state == "open"


def test_each_reason_on_an_answered_case_is_labelled_by_its_own_label_and_still_posts_by_its_name(answered_case, operator):
    client = logged_in(operator)

    page = client.get(f"/settlement/cases/{answered_case.pk}/").content.decode()
    response = client.post(f"/settlement/cases/{answered_case.pk}/close/", {"reason": "已整改到位"})

    assert repeated_ids(page) == []
    assert 'for="id_send-back_reason"' in page and 'id="id_send-back_reason"' in page
    assert 'for="id_close_reason"' in page and 'id="id_close_reason"' in page
    assert response.status_code == 302
    answered_case.refresh_from_db()
    assert answered_case.state == RectificationCase.State.CLOSED


def test_a_superuser_of_another_role_is_offered_the_operators_case_steps_the_service_lets_it_take(answered_case, due, active_supplier):
    """The pages offer the operator's steps by the one operator check the services apply (superusers of any role)."""
    root = UserFactory(username="root_finance", role="finance", is_superuser=True)
    client = logged_in(root)

    listing = client.get("/settlement/cases/")
    case_page = client.get(f"/settlement/cases/{answered_case.pk}/").content.decode()
    decision = client.get(f"/settlement/re-evaluations/{due.pk}/")
    opened = client.post("/settlement/cases/", {"supplier": active_supplier.pk, "kind": "warning", "reason": "投诉处理超时",
                                                "deadline": "2099-01-01", "token": "case-by-root"})

    assert listing.context["form"] is not None and decision.context["form"] is not None
    assert f"/settlement/cases/{answered_case.pk}/send-back/" in case_page and f"/settlement/cases/{answered_case.pk}/close/" in case_page
    assert opened.status_code == 302 and RectificationCase.objects.filter(reason="投诉处理超时").exists()
