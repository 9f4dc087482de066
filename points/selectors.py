"""Reads of members on the hot paths, each in one statement."""
from core import sql
from core.models import Program
from points.models import Member

_MEMBER = ("id", "user_id", "program_id", "tier", "name", "phone", "reminders_opt_out")
_PROGRAM = ("id", "code", "name", "sms_confirmation_threshold", "has_tiers")


def member_with_program(*, user_id: int) -> Member | None:
    """The member profile of a user with its program (every member API request reads it), or None."""
    rows = sql.fetch(
        f"SELECT {sql.columns(Member, _MEMBER, 'm')}, {sql.columns(Program, _PROGRAM, 'p')}"
        f" FROM {sql.table(Member)} m JOIN {sql.table(Program)} p ON p.id = m.program_id WHERE m.user_id = %s",
        [user_id],
    )
    if not rows:
        return None
    member = sql.load(Member, _MEMBER, rows[0][: len(_MEMBER)])
    member.program = sql.load(Program, _PROGRAM, rows[0][len(_MEMBER) :])
    return member
