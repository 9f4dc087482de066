"""Demo rectification cases and re-evaluations (see SettlementConfig.ready), all through the services.

* supplier_a: a rectification demand opened 40 days ago with a deadline 10 days ago, still open (overdue); a
  warning answered by supplier_a, waiting for the operator.
* re-evaluations scheduled 40 days ago (none decided in the last 12 months): supplier_a's renewed 5 days ago,
  supplier_b's still undecided past its due date (overdue).

Guarded by the existence of any re-evaluation, so a second run adds nothing.
"""
from datetime import timedelta

from core.seeding import register_seed


@register_seed(66, "rectification cases and re-evaluations (one overdue each)")
def seed_cases(*, now, progress, **_) -> None:
    from django.utils import timezone

    from core.models import User
    from settlement.models import ReEvaluation
    from settlement.services import cases, re_evaluation
    from suppliers.models import Supplier

    if ReEvaluation.objects.exists():
        return
    operator = User.objects.get(username="operator")
    supplier_a = Supplier.objects.get(name="杭州优选礼品有限公司")
    opened_at = now - timedelta(days=40)
    cases.open_case(supplier=supplier_a, kind="rectification", reason="直发订单48小时发货率低于目标（82%），请提交整改措施。",
                    deadline=timezone.localdate(now) - timedelta(days=10), actor=operator, now=opened_at)
    warning = cases.open_case(supplier=supplier_a, kind="warning", reason="一件礼品包装破损投诉未在48小时内答复。",
                              deadline=timezone.localdate(now) + timedelta(days=20), actor=operator, now=now - timedelta(days=5))
    cases.answer_case(case=warning, answer="已安排专人每日两次查看投诉队列。", actor=User.objects.get(username="supplier_a"),
                      now=now - timedelta(days=2))
    progress(1, 2)
    re_evaluation.schedule_re_evaluations(now=opened_at)
    renewed = ReEvaluation.objects.get(supplier=supplier_a, contract__isnull=True)
    re_evaluation.decide_re_evaluation(re_evaluation=renewed, decision="renew", note="考核稳定，续约。", actor=operator,
                                       now=now - timedelta(days=5))
    progress(2, 2)
