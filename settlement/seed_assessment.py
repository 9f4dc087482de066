"""Demo monthly assessments (see SettlementConfig.ready): the last three months that may be assessed at seeding time
(before the 20th, the month before last is the latest), assessed through the assessment service in month order, as
the beat would have on the 20th.

Their figures come from whatever the earlier steps recorded (the settlement demo's deliveries, the logistics demo's
dropship order, complaints), so suppliers see a score history and operators and finance have assessments to filter.
Computing is idempotent, so a second run changes nothing.

Before them (63), `operator` adds a penalty rule on the complaint rate, and member 13800138001 complains of the tea
of its order of the second month before this one, three days after it was signed for; the complaint is triaged to
supplier_a, answered in time and resolved. Its month's complaint rate is past the rule, so the assessment proposes a
penalty of supplier_a that waits for finance (扣款建议).
"""
from datetime import timedelta

from core.roles import Role
from core.seed import ensure_user
from core.seeding import register_seed

MONTHS = 3
RULE = "投诉率超过 5‰，扣款 ¥200"
COMPLAINT = "龙井礼盒茶叶有异味"


@register_seed(63, "a penalty rule on the complaint rate, and a complaint of an assessed month that is past it")
def seed_penalty_rule(*, now, password, progress) -> None:
    from points.models import Complaint
    from settlement.models import Kpi, PenaltyRule
    from settlement.services import assessment_rules

    operator = ensure_user(username="operator", role=Role.OPERATOR, password=password)
    if not PenaltyRule.objects.filter(description=RULE).exists():
        assessment_rules.create_penalty_rule(actor=operator, now=now, kpi=Kpi.COMPLAINT_RATE, threshold="5", deduction="200.00",
                                             description=RULE, reason="投诉率偏高的礼品商须承担违约扣款")
    if not Complaint.objects.filter(title=COMPLAINT).exists():
        _complaint_of_an_assessed_month(operator)
    progress(1, 1)


def _complaint_of_an_assessed_month(operator) -> None:
    from points.services import complaints
    from points.models import RedemptionOrder
    from settlement.seed import BATCH_PREFIX, MEMBER_PHONE
    from suppliers.models import SupplierMembership

    order = (RedemptionOrder.objects.filter(member__phone=MEMBER_PHONE, handoff_item__batch__key__startswith=BATCH_PREFIX)
             .select_related("member__user").order_by("-placed_at").first())
    staff = SupplierMembership.objects.filter(supplier_id=order.supplier_id, user__role=Role.SUPPLIER_STAFF).first().user
    opened_at = order.delivered_at + timedelta(days=3)
    complaint = complaints.open_complaint(actor=order.member.user, now=opened_at, order=order, title=COMPLAINT,
                                          description="开罐后茶叶有明显异味，无法饮用")
    complaints.triage_complaint(complaint=complaint, actor=operator, now=opened_at + timedelta(hours=2), responsible="supplier")
    complaints.respond_to_complaint(complaint=complaint, actor=staff, now=opened_at + timedelta(hours=20),
                                    response="已核实为仓储受潮，补寄新品一盒")
    complaints.resolve_complaint(complaint=complaint, actor=order.member.user, now=opened_at + timedelta(days=3))


@register_seed(64, "monthly assessments of the last three months")
def seed_assessments(*, now, progress, **_) -> None:
    from settlement.services import assessment
    from settlement.services.generation import previous_month

    months = [assessment.last_assessable_month(now)]
    while len(months) < MONTHS:
        months.append(previous_month(months[-1]))
    for done, month in enumerate(reversed(months), start=1):
        assessment.compute_month(month=month, now=now)
        progress(done, MONTHS)
