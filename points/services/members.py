"""Member settings."""
from django.db import transaction

from core.notifications import MEMBER_REMINDERS, suppress_pending
from points.models import Member


def set_reminders_opt_out(*, member: Member, opt_out: bool, actor) -> Member:
    """Turn the optional SMS reminders (shipped, delivered, points expiring, complaint answered: `MEMBER_REMINDERS`) off
    or on, withdrawing those already queued; every other text always goes."""
    with transaction.atomic():
        Member.objects.filter(pk=member.pk).update(reminders_opt_out=bool(opt_out))
        if opt_out:  # those already queued are withdrawn too
            suppress_pending(user_id=member.user_id, kinds=MEMBER_REMINDERS)
    member.refresh_from_db(fields=["reminders_opt_out"])
    return member
