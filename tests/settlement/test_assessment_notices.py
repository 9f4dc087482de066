"""A supplier hears its month was assessed (SPEC §4.10): one notice in its inbox when the month is first computed, with
its score and how many penalties are proposed, linking to its assessment; a recomputation tells it nothing again, and
another supplier never sees it."""
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import translation

from core.models import Notification
from settlement.models import Assessment, Kpi, PenaltyRule
from settlement.services.assessment import compute_month
from suppliers.models import Notice
from tests.factories import SHANGHAI
from tests.portal import logged_in
from tests.settlement.kpi_facts import low_month

pytestmark = pytest.mark.django_db

OCTOBER = date(2026, 10, 1)
ASSESSED_AT = datetime(2026, 11, 20, 3, 0, tzinfo=SHANGHAI)


def told(supplier):
    return Notice.objects.filter(kind="assessment_published", supplier=supplier)


def test_the_supplier_is_told_its_score_and_proposed_penalties_once_linking_to_its_assessment(supplier, other_supplier):
    PenaltyRule.objects.create(kpi=Kpi.COMPLAINT_RATE, threshold=Decimal("5"), amount=Decimal("100.00"), description="投诉率超限")
    low_month(supplier, 10)

    compute_month(month=OCTOBER, now=ASSESSED_AT)
    compute_month(month=OCTOBER, now=ASSESSED_AT.replace(hour=4))

    notice = told(supplier).get()
    assessment = Assessment.objects.get(supplier=supplier, month=OCTOBER)
    assert notice.title_text == "2026-10 月度考核结果：42.86 分"
    assert notice.body_text == "违约扣款建议 1 项，经财务审核后计入结算单；各项指标、目标与达成情况见考核详情。"
    assert (notice.link, notice.created_at) == (f"/settlement/assessments/{assessment.pk}/", ASSESSED_AT)
    assert not told(other_supplier).exists()
    assert not Notification.objects.filter(subject_type="suppliers.notice", subject_id=str(notice.pk)).exists()  # inbox only
    with translation.override("en"):
        assert notice.title_label == "2026-10 monthly assessment: score 42.86"


def test_the_notice_link_opens_for_the_supplier_and_not_for_another(supplier, other_supplier, supplier_admin, other_supplier_admin):
    low_month(supplier, 10)
    compute_month(month=OCTOBER, now=ASSESSED_AT)
    link = told(supplier).get().link

    own = logged_in(supplier_admin).get(link)
    other = logged_in(other_supplier_admin).get(link)

    assert (own.status_code, other.status_code) == (200, 404)
