"""Demo members of both programs."""
from core.models import Program, Tier
from core.roles import Role
from core.seed import ensure_user
from core.seeding import register_seed
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
