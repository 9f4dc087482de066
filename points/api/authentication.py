"""Token authentication that reads a member's profile with the token: every member request needs it."""
from core.api.authentication import TokenAuthentication as UserTokenAuthentication
from core.models import User
from points.selectors import MEMBER_COLUMNS, MEMBER_JOINS, member_from_row


class TokenAuthentication(UserTokenAuthentication):
    """The token, its user and (for a member) the member profile with its program, in one statement."""

    profile_columns = MEMBER_COLUMNS
    profile_joins = MEMBER_JOINS

    def attach_profile(self, user: User, values: tuple) -> None:
        member = member_from_row(values)
        if member is not None:
            member.user = user
        user._state.fields_cache["member"] = member  # `user.member` without a query (None raises DoesNotExist, as Django)
