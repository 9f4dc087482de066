"""Demo monthly assessments (see SettlementConfig.ready): the last three months that may be assessed at seeding time
(before the 20th, the month before last is the latest), assessed through the assessment service in month order, as
the beat would have on the 20th.

Their figures come from whatever the earlier steps recorded (the settlement demo's deliveries, the logistics demo's
dropship order, complaints), so suppliers see a score history and operators and finance have assessments to filter.
Computing is idempotent, so a second run changes nothing.
"""
from core.seeding import register_seed

MONTHS = 3


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
