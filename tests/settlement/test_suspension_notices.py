"""A supplier hears of a suspension proposed against it (SPEC §4.10): one notice when the proposal is made — both months'
scores and the threshold, linking to its assessment —, texted as its SMS setting allows, never again when the month is
recomputed; and one when an operator dismisses it, with the operator's reason. Its assessment page shows the proposal
with its history."""
from datetime import date, datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from core.errors import PermissionDenied, ValidationFailed
from core.models import Notification
from settlement.models import Assessment, SuspensionProposal
from settlement.services.assessment import accept_suspension, compute_month, dismiss_suspension
from suppliers.models import Notice, Supplier
from tests.factories import SHANGHAI, supplier_in
from tests.portal import logged_in
from tests.settlement.kpi_facts import low_month, t

pytestmark = pytest.mark.django_db

SEPTEMBER, OCTOBER = date(2026, 9, 1), date(2026, 10, 1)
ASSESSED_AT = datetime(2026, 11, 20, 3, 0, tzinfo=SHANGHAI)
DECIDED_AT = datetime(2026, 11, 21, 10, 0, tzinfo=SHANGHAI)
TITLE = "2026-10 考核连续两月低于 60 分，已提出暂停合作建议"


def low_twice(*suppliers: Supplier) -> None:
    """Each supplier scored 42.86 in September and in October, September assessed."""
    for supplier in suppliers:
        low_month(supplier, 9)
        low_month(supplier, 10)
    compute_month(month=SEPTEMBER, now=t(10, 20, 3), supplier_ids=[s.pk for s in suppliers])


@pytest.fixture
def active_supplier(supplier, operator) -> Supplier:
    return supplier_in(Supplier.State.ACTIVE, supplier=supplier, actor=operator, now=t(1, 6))


@pytest.fixture
def proposed(active_supplier) -> SuspensionProposal:
    low_twice(active_supplier)
    compute_month(month=OCTOBER, now=ASSESSED_AT)
    return SuspensionProposal.objects.get()


def notices(kind: str, supplier=None):
    found = Notice.objects.filter(kind=kind)
    return found.filter(supplier=supplier) if supplier else found


def texts(supplier) -> list[str]:
    """The SMS the supplier's contact was sent about its notices."""
    sent = Notification.objects.filter(phone=supplier.contact_phone, subject_type="suppliers.notice",
                                       subject_id__in=[str(pk) for pk in Notice.objects.filter(supplier=supplier).values_list("pk", flat=True)])
    return list(sent.order_by("id").values_list("body", flat=True))


def test_the_supplier_is_told_of_the_proposal_with_both_months_scores_and_the_threshold_linking_to_its_assessment(
        proposed, active_supplier):
    notice = notices("suspension_proposed").get()

    assert (notice.supplier, notice.created_at) == (active_supplier, ASSESSED_AT)
    assert notice.link == f"/settlement/assessments/{proposed.assessment_id}/"
    assert notice.title_text == TITLE
    assert notice.body_text.startswith("2026-09 得分 42.86，2026-10 得分 42.86，均低于暂停合作阈值 60 分。")
    assert f"【积分商城礼品商平台】{TITLE}" in texts(active_supplier)
    with translation.override("en"):
        assert notice.title_label == "2026-10: assessment below 60 two months running, suspension proposed"
        assert notice.body_label.startswith("Scores 42.86 in 2026-09 and 42.86 in 2026-10, both below the suspension threshold of 60.")


def test_recomputing_the_month_tells_the_supplier_nothing_again(proposed, active_supplier):
    compute_month(month=OCTOBER, now=ASSESSED_AT.replace(hour=4))
    compute_month(month=OCTOBER, now=ASSESSED_AT.replace(hour=5), supplier_ids=[active_supplier.pk])

    assert notices("suspension_proposed").count() == 1
    assert sum(TITLE in body for body in texts(active_supplier)) == 1


def test_a_supplier_whose_suspension_was_dismissed_is_not_recomputed_so_nothing_is_proposed_or_told_again(proposed, active_supplier, operator):
    dismiss_suspension(proposal=proposed, actor=operator, now=DECIDED_AT, reason="已开具整改通知")

    done = compute_month(month=OCTOBER, now=DECIDED_AT.replace(hour=11))

    assert done.kept == [active_supplier] and active_supplier.pk not in {a.supplier_id for a in done.assessed}

    assert SuspensionProposal.objects.get().state == SuspensionProposal.State.DISMISSED
    assert (notices("suspension_proposed").count(), notices("suspension_dismissed").count()) == (1, 1)


@pytest.mark.parametrize(("setting", "texted"), [("all", 1), ("action", 1), ("none", 0)])
def test_the_proposal_asks_for_improvement_so_only_a_supplier_wanting_no_sms_is_not_texted(active_supplier, setting, texted):
    Supplier.objects.filter(pk=active_supplier.pk).update(sms_notices=setting)
    low_twice(active_supplier)

    compute_month(month=OCTOBER, now=ASSESSED_AT)

    assert notices("suspension_proposed", active_supplier).count() == 1
    assert sum(TITLE in body for body in texts(active_supplier)) == texted


def test_each_supplier_gets_one_notice_and_a_supplier_not_proposed_none(active_supplier, operator):
    others = [supplier_in(Supplier.State.ACTIVE, actor=operator, now=t(1, 6)) for _ in range(2)]
    fine = supplier_in(Supplier.State.ACTIVE, actor=operator, now=t(1, 6))
    low_month(fine, 10)  # low in October only
    low_twice(active_supplier, *others)

    compute_month(month=OCTOBER, now=ASSESSED_AT)

    told = sorted(notices("suspension_proposed").values_list("supplier_id", flat=True))
    assert told == sorted(s.pk for s in (active_supplier, *others))
    for supplier in (active_supplier, *others):
        link = f"/settlement/assessments/{Assessment.objects.get(supplier=supplier, month=OCTOBER).pk}/"
        assert notices("suspension_proposed", supplier).get().link == link


def test_the_notices_and_sms_of_a_computation_take_the_same_queries_whatever_the_number_of_suppliers(operator):
    suppliers = [supplier_in(Supplier.State.ACTIVE, actor=operator, now=t(1, 6)) for _ in range(4)]
    low_twice(*suppliers)
    ContentType.objects.get_for_model(SuspensionProposal)  # what a process reads once (the proposals' history logs it)

    def computing(chosen: list[Supplier]) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            compute_month(month=OCTOBER, now=ASSESSED_AT, supplier_ids=[s.pk for s in chosen])
        assert notices("suspension_proposed").filter(supplier__in=chosen).count() == len(chosen)
        return [query["sql"] for query in queries.captured_queries]

    one, three = computing(suppliers[:1]), computing(suppliers[1:])

    assert len(one) == len(three)
    assert sum(sql.startswith('INSERT INTO "suppliers_notice"') for sql in three) == 2  # the months' results, the proposals
    assert sum(sql.startswith('INSERT INTO "core_notification"') for sql in three) == 1
    assert [sum(TITLE in body for body in texts(supplier)) for supplier in suppliers] == [1, 1, 1, 1]


def test_a_dismissal_tells_the_supplier_with_the_operators_reason(proposed, active_supplier, operator):
    dismiss_suspension(proposal=proposed, actor=operator, now=DECIDED_AT, reason="已开具整改通知，观察一个月")

    notice = notices("suspension_dismissed").get()
    assert (notice.supplier, notice.created_at) == (active_supplier, DECIDED_AT)
    assert notice.link == f"/settlement/assessments/{proposed.assessment_id}/"
    assert (notice.title_text, notice.body_text) == ("2026-10 考核的暂停合作建议：不予暂停", "运营人员决定不予暂停合作。理由：已开具整改通知，观察一个月")
    assert "【积分商城礼品商平台】2026-10 考核的暂停合作建议：不予暂停" in texts(active_supplier)
    with translation.override("en"):
        assert notice.title_label == "Suspension proposed on the 2026-10 assessment: not suspended"
        assert notice.body_label == "The operator decided not to suspend the cooperation. Reason: 已开具整改通知，观察一个月"


def test_a_dismissal_is_not_texted_to_a_supplier_wanting_only_what_needs_its_action(proposed, active_supplier, operator):
    Supplier.objects.filter(pk=active_supplier.pk).update(sms_notices="action")

    dismiss_suspension(proposal=proposed, actor=operator, now=DECIDED_AT, reason="已整改")

    assert notices("suspension_dismissed").count() == 1
    assert not any("不予暂停" in body for body in texts(active_supplier))


def test_a_dismissal_refused_tells_nothing(proposed, operator, finance):
    for actor, reason in ((finance, "整改中"), (operator, " ")):
        with pytest.raises((PermissionDenied, ValidationFailed)):
            dismiss_suspension(proposal=proposed, actor=actor, now=DECIDED_AT, reason=reason)

    assert not notices("suspension_dismissed").exists()


def test_an_accepted_proposal_is_told_once_by_the_suspension_notice(proposed, active_supplier, operator):
    accept_suspension(proposal=proposed, actor=operator, now=DECIDED_AT)

    assert notices("supplier_suspended", active_supplier).count() == 1
    assert not notices("suspension_dismissed").exists()


# --- the supplier's assessment page ------------------------------------------------------------------------------

def test_the_suppliers_assessment_page_shows_the_open_proposal(proposed, supplier_admin):
    page = logged_in(supplier_admin).get(f"/settlement/assessments/{proposed.assessment_id}/").content.decode()

    section = page.split('data-testid="suspension"', 1)[1].split("</section>", 1)[0]
    assert "待决定" in section and "2026-11-20 03:00" in section
    assert "考核连续两月低于阈值" in section.split('data-testid="history"', 1)[1]  # the proposal's history: why


def test_the_suppliers_assessment_page_shows_who_dismissed_the_proposal_when_and_why(proposed, supplier_admin, operator):
    dismiss_suspension(proposal=proposed, actor=operator, now=DECIDED_AT, reason="已开具整改通知")

    page = logged_in(supplier_admin).get(f"/settlement/assessments/{proposed.assessment_id}/").content.decode()

    section = page.split('data-testid="suspension"', 1)[1].split("</section>", 1)[0]
    assert "不予暂停" in section and "已开具整改通知" in section
    dismissed = section.split('data-testid="history"', 1)[1].split("<tr>")[-1]  # the last row of the history
    assert "2026-11-21 10:00" in dismissed and "运营" in dismissed and "已开具整改通知" in dismissed
    assert "operator" not in dismissed  # staff are named by their role to a supplier


def test_an_assessment_without_a_proposal_shows_none(active_supplier, supplier_admin):
    low_month(active_supplier, 10)
    compute_month(month=OCTOBER, now=ASSESSED_AT)

    page = logged_in(supplier_admin).get(f"/settlement/assessments/{Assessment.objects.get().pk}/").content.decode()

    assert 'data-testid="suspension"' not in page
