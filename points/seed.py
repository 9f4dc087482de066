"""Demo members of both programs."""
from core.models import Program, Tier
from core.roles import Role
from core.seed import ensure_user
from core.seeding import register_seed
from points import seed_complaints  # noqa: F401  (registers the complaints step)
from points.models import Member

DEMO_MEMBERS = [
    ("13800138000", "刘洋", Program.GOTONE, Tier.GOLD),
    ("13800138001", "孙丽", Program.GOTONE, Tier.DIAMOND),
    ("13700137000", "周杰", Program.MZONE, Tier.STANDARD),
]


@register_seed(30, "members (GoTone gold and diamond, M-Zone)")
def seed_members(*, now, password, progress) -> None:
    for phone, name, program_code, tier in DEMO_MEMBERS:
        user = ensure_user(username=phone, role=Role.MEMBER, password=password, first_name=name, phone=phone)
        Member.objects.get_or_create(
            user=user, defaults={"program": Program.objects.get(code=program_code), "tier": tier, "name": name, "phone": phone}
        )


DEMO_CREDITS = [("13800138000", 20_000), ("13800138001", 60_000), ("13700137000", 8_000)]


def _credit(label: str, *, at, password) -> None:
    """Half of each member's demo points, credited by the operator at `at` (once: the batch id is the guard)."""
    from points.services import credits

    operator = ensure_user(username="operator", role=Role.OPERATOR, password=password)
    credits.credit_points_in_bulk(
        batch_id=label, rows=[{"phone": phone, "points": points // 2} for phone, points in DEMO_CREDITS], actor=operator, now=at
    )


# The points ledger is posted in time order, as it would have been: last year's lot (40), the settlement demo's
# orders of the months before (42), this year's lot ten days ago (45), then the logistics demo's orders of this week
# and today (52). Every member's history so reads with each balance following from the one before.
@register_seed(40, "points: last year's lot for every member")
def seed_last_years_points(*, now, password, progress) -> None:
    from datetime import timedelta

    _credit("DEMO-LAST-YEAR", at=now - timedelta(days=365), password=password)


@register_seed(45, "points: this year's lot for every member")
def seed_this_years_points(*, now, password, progress) -> None:
    from datetime import timedelta

    _credit("DEMO-THIS-YEAR", at=now - timedelta(days=10), password=password)


@register_seed(90, "orders signed for 15 days and more completed, as the daily job does")
def seed_completed_orders(*, now, password, progress) -> None:
    from points.services import orders

    orders.complete_orders(now=now)
