"""Access-matrix rows of monthly assessments; see tests/access.py for the format. The helpers are the returns area's
(importing tests.access here would be circular).

`world_objects` records a low September 2026 assessment of the matrix's supplier with one KPI result, a penalty
proposal (finance accepts or dismisses it: 200) and a suspension proposal. The matrix's supplier is under review, so
an operator accepting the suspension is a 409 (suspending needs an active supplier) and dismissing it a 200.
Suppliers read their own assessments and proposals, operators and finance all of them; logistics staff, members
and the other supplier get 404. KPI settings and penalty rules are for operators and finance (operators change them).
"""
from tests.access_rows.returns import AUTHENTICATED, EVERYONE, REASON, only, row

DEFAULT_KPI_CODES = ("on_time_dispatch", "replenishment_on_time", "first_attempt_delivery", "complaint_rate", "complaint_sla",
                     "defect_rate")
ASSESSMENT_READERS = {"supplier_admin", "supplier_staff", "operator", "finance"}


def seen(*, obj: str) -> dict:
    return only({role: 200 for role in ASSESSMENT_READERS}, seen_by=ASSESSMENT_READERS, obj=obj)


def proposal_action(allowed: dict, *, obj: str, writable=frozenset({"reason"}), body: dict | None = None) -> dict:
    return only(allowed, seen_by=ASSESSMENT_READERS, obj=obj, writable=writable, body=body or REASON)


ROWS: dict = {
    ("assessment-list", "GET"): row(AUTHENTICATED),
    ("assessment-detail", "GET"): seen(obj="assessment"),
    ("assessment-compute", "POST"): only({"operator": 200, "finance": 200}, seen_by=EVERYONE, writable={"month"},
                                         body={"month": "2026-09"}),
    ("penalty-proposal-list", "GET"): row(AUTHENTICATED),
    ("penalty-proposal-detail", "GET"): seen(obj="penalty_proposal"),
    ("penalty-proposal-history", "GET"): seen(obj="penalty_proposal"),
    ("penalty-proposal-accept", "POST"): proposal_action({"finance": 200}, obj="penalty_proposal", writable={"note"}, body={}),
    ("penalty-proposal-dismiss", "POST"): proposal_action({"finance": 200}, obj="penalty_proposal"),
    # the matrix's proposal is proposed: no dismissal waits to be confirmed or declined
    ("penalty-proposal-confirm-dismissal", "POST"): proposal_action({"finance": 409}, obj="penalty_proposal"),
    ("penalty-proposal-decline-dismissal", "POST"): proposal_action({"finance": 409}, obj="penalty_proposal"),
    ("suspension-proposal-list", "GET"): row(AUTHENTICATED),
    ("suspension-proposal-detail", "GET"): seen(obj="suspension_proposal"),
    ("suspension-proposal-history", "GET"): seen(obj="suspension_proposal"),
    ("suspension-proposal-accept", "POST"): proposal_action({"operator": 200}, obj="suspension_proposal"),  # the supplier is active
    ("suspension-proposal-dismiss", "POST"): proposal_action({"operator": 200}, obj="suspension_proposal"),
    ("kpi-setting-list", "GET"): only({"operator": 200, "finance": 200}, seen_by=EVERYONE),
    ("kpi-setting-detail", "GET"): only({"operator": 200, "finance": 200}, seen_by=EVERYONE, obj="kpi_setting"),
    ("kpi-setting-detail", "PATCH"): only({"operator": 200}, seen_by=EVERYONE, obj="kpi_setting", writable={"weight", "target", "reason"},
                                          body={"weight": "20", "target": "0.95", "reason": "access matrix"}),
    ("kpi-setting-change", "PATCH"): only({"operator": 200}, seen_by=EVERYONE, writable={*DEFAULT_KPI_CODES, "reason"},
                                          body={"on_time_dispatch": {"weight": "20", "target": "0.95"}, "reason": "access matrix"}),
    ("kpi-setting-changes-list", "GET"): only({"operator": 200, "finance": 200}, seen_by=EVERYONE),
    ("penalty-rule-list", "GET"): only({"operator": 200, "finance": 200}, seen_by=EVERYONE),
    ("penalty-rule-list", "POST"): only({"operator": 201}, seen_by=EVERYONE, writable={"kpi", "threshold", "deduction", "description", "reason"},
                                        body={"kpi": "defect_rate", "threshold": "0.10", "deduction": "800", "description": "质量退货率高于10%",
                                              "reason": "access matrix"}),
    ("penalty-rule-detail", "GET"): only({"operator": 200, "finance": 200}, seen_by=EVERYONE, obj="penalty_rule"),
    ("penalty-rule-detail", "PATCH"): only({"operator": 200}, seen_by=EVERYONE, obj="penalty_rule", writable={"active", "reason"},
                                           body={"active": False, "reason": "access matrix"}),
    ("penalty-rule-changes-list", "GET"): only({"operator": 200, "finance": 200}, seen_by=EVERYONE),
}


def world_objects(*, supplier, now, **_) -> dict:
    """A low September assessment of the matrix's supplier with a penalty and a suspension proposal."""
    from datetime import date
    from decimal import Decimal

    from settlement.models import Assessment, Kpi, KpiResult, KpiSetting, PenaltyProposal, PenaltyRule, SuspensionProposal

    assessed = Assessment.objects.create(supplier=supplier, month=date(2026, 9, 1), score=Decimal("42.86"), computed_at=now)
    KpiResult.objects.create(assessment=assessed, kpi=Kpi.DEFECT_RATE, numerator=1, denominator=1, value=Decimal("1"),
                             target=Decimal("0.02"), weight=Decimal("15"), attainment=Decimal("0"))
    rule = PenaltyRule.objects.filter(kpi=Kpi.DEFECT_RATE).first()
    penalty = PenaltyProposal.objects.create(assessment=assessed, rule=rule, supplier=supplier, value=Decimal("1"),
                                             amount=rule.amount, created_at=now)
    suspension = SuspensionProposal.objects.create(supplier=supplier, assessment=assessed, created_at=now)
    return {"assessment": assessed, "penalty_proposal": penalty, "suspension_proposal": suspension,
            "kpi_setting": KpiSetting.objects.get(kpi=Kpi.ON_TIME_DISPATCH), "penalty_rule": rule}
