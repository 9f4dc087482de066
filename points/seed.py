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


@register_seed(40, "points for every member (last year's and this year's lots) and a few orders")
def seed_points_and_orders(*, now, password, progress) -> None:
    from datetime import timedelta

    from suppliers.models import Gift

    from points.models import RedemptionOrder
    from points.services import credits, orders

    operator = ensure_user(username="operator", role=Role.OPERATOR, password=password)
    last_year = now - timedelta(days=365)
    for label, at in (("DEMO-LAST-YEAR", last_year), ("DEMO-THIS-YEAR", now - timedelta(days=10))):
        credits.credit_points_in_bulk(
            batch_id=label, rows=[{"phone": phone, "points": points // 2} for phone, points in DEMO_CREDITS], actor=operator, now=at
        )
    member = Member.objects.get(phone="13800138000")
    if RedemptionOrder.objects.filter(member=member).exists():
        return
    tea = Gift.objects.get(sku="TEA-LJ-250")
    placed = orders.place_order(
        member=member, gift_id=tea.pk, quantity=1, now=now, actor=member.user,
        recipient_name=member.name, recipient_phone=member.phone, address="浙江省杭州市西湖区文三路 100 号",
    )
    orders.hand_over_order(order=placed, actor=operator, now=now)
    cup = Gift.objects.get(sku="HOME-CUP-01")
    orders.place_order(
        member=member, gift_id=cup.pk, quantity=1, now=now, actor=member.user,
        recipient_name=member.name, recipient_phone=member.phone, address="浙江省杭州市西湖区文三路 100 号",
    )
