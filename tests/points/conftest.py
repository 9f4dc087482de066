"""Fixtures the complaint tests share (service, pages, privacy)."""
from datetime import timedelta

import pytest

from points.services import complaints

from tests.helpers import gift_in_state


@pytest.fixture
def gift(licensed_supplier):
    """A gift in the catalog of `supplier`: anyone may name it in a complaint."""
    return gift_in_state("online", supplier=licensed_supplier, name="龙井茶礼盒")


@pytest.fixture
def queue_with_a_late_answer(member, gift, operator, supplier_staff, now) -> list:
    """Four complaints about `gift` in the staff queue's order at `now`: one overdue unanswered, one whose deadline runs,
    one resolved on time (opened 5 hours ago) and one resolved late (opened 70 hours ago, escalated, answered later)."""
    def triaged(title: str, *, hours_ago: int):
        at = now - timedelta(hours=hours_ago)
        opened = complaints.open_complaint(actor=member.user, now=at, gift=gift, title=title, description="…")
        return complaints.triage_complaint(complaint=opened, actor=operator, now=at, responsible="supplier")

    def answered(complaint, *, hours_ago: int):
        complaint.refresh_from_db()
        complaints.respond_to_complaint(complaint=complaint, actor=supplier_staff, now=now - timedelta(hours=hours_ago), response="已处理")
        return complaints.resolve_complaint(complaint=complaint, actor=member.user, now=now - timedelta(hours=hours_ago - 1))

    resolved_late = triaged("resolved late", hours_ago=70)
    assert complaints.escalate_overdue(now=now - timedelta(hours=21)) == [resolved_late.pk]
    answered(resolved_late, hours_ago=20)
    overdue = triaged("overdue", hours_ago=50)
    resolved_on_time = answered(triaged("resolved on time", hours_ago=5), hours_ago=4)
    running = triaged("running", hours_ago=1)
    return [overdue, running, resolved_on_time, resolved_late]
