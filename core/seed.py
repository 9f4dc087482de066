"""Demo users of the staff roles."""
from django.contrib.auth import get_user_model

from core.roles import Role
from core.seeding import register_seed

#: the demo handoff batch `logistics.seed` hands over and `points.seed_complaints` complains about (a later step):
#: here, below both, as a points step may not import logistics (SPEC §6)
DELIVERED_BATCH_KEY = "DEMO-BATCH-1"
#: (username, role, the person's name alone: pages greet and name them by it, and say the role apart)
STAFF_USERS = [
    ("operator", Role.OPERATOR, "王敏"),
    ("finance", Role.FINANCE, "李娜"),
    ("finance2", Role.FINANCE, "赵强"),
    ("logistics", Role.LOGISTICS, "陈刚"),
]


def ensure_user(*, username: str, role: str, password: str, first_name: str = "", phone: str = "", is_staff: bool = False):
    """Create the demo user once; a second run leaves it as it is."""
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"role": role, "first_name": first_name, "phone": phone, "is_staff": is_staff}
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


@register_seed(10, "staff users (operator, finance ×2, logistics)")
def seed_staff(*, now, password, progress) -> None:
    for username, role, name in STAFF_USERS:
        ensure_user(username=username, role=role, password=password, first_name=name, is_staff=role == Role.OPERATOR)
    admin = ensure_user(username="admin", role=Role.OPERATOR, password=password, first_name="系统管理员", is_staff=True)
    if not admin.is_superuser:
        admin.is_superuser = True
        admin.save(update_fields=["is_superuser"])


@register_seed(95, "texts whose time has come sent, as the minutely job does")
def seed_sent_texts(*, now, password, progress) -> None:
    """The demo's history wrote texts to the outbox at earlier times: those due by now are sent, as beat's sender would
    have (`make run` runs no beat), so 我的短信 shows them sent and `verify_data --allow-dev-settings` (the demo runs
    on the development settings) finds no backlog; those held for the quiet hours wait for their time. Seeded in the quiet hours, what was due before they began went out then, as the
    sender sent it; only the urgent ones go out in them."""
    from core import services

    services.send_due_notifications(now=last_sending_moment(now))
    services.send_due_notifications(now=now)


def last_sending_moment(now):
    """`now`, or in the quiet hours the last moment before they began: the latest a non-urgent text went out."""
    from datetime import datetime, time, timedelta

    from django.conf import settings
    from django.utils import timezone

    from core.notifications import quiet_until

    if quiet_until(now) == now:
        return now
    start, _end = settings.QUIET_HOURS
    local = timezone.localtime(now)
    day = local.date() if local.hour >= start else local.date() - timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(start))) - timedelta(microseconds=1)
