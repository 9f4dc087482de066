"""Member settings."""
from points.models import Member


def set_reminders_opt_out(*, member: Member, opt_out: bool, actor) -> Member:
    """Turn non-urgent SMS reminders (shipped, delivered, expiring, complaint answered) off or on; urgent ones always go."""
    Member.objects.filter(pk=member.pk).update(reminders_opt_out=bool(opt_out))
    member.refresh_from_db(fields=["reminders_opt_out"])
    return member
