"""API authentication."""
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from core import sql
from core.models import User

_USER = tuple(f.attname for f in User._meta.concrete_fields)
_TOKEN = ("key", "user_id", "created")


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, with the token and its user read in one prepared statement instead of an ORM
    query built per request (every API call pays it).

    A subclass reads a profile of the user in the same statement: `profile_columns` (a select list) from
    `profile_joins` (LEFT JOINs on the user, aliased `u`), handed to `attach_profile`.
    """

    profile_columns = ""
    profile_joins = ""

    def authenticate_credentials(self, key):
        rows = sql.fetch(
            f"SELECT {sql.columns(Token, _TOKEN, 't')}, {sql.columns(User, _USER, 'u')}{self.profile_columns and ', ' + self.profile_columns}"
            f" FROM {sql.table(Token)} t JOIN {sql.table(User)} u ON u.id = t.user_id{self.profile_joins} WHERE t.key = %s",
            [key],
        )
        if not rows:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        row, user_end = rows[0], len(_TOKEN) + len(_USER)
        token = sql.load(Token, _TOKEN, row[: len(_TOKEN)])
        token.user = sql.load(User, _USER, row[len(_TOKEN) : user_end])
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if self.profile_columns:
            self.attach_profile(token.user, row[user_end:])
        return token.user, token

    def attach_profile(self, user: User, values: tuple) -> None:
        """Attach the profile read from `values` (the `profile_columns`) to `user`."""


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication (the portal's login, for calls from the browser), whose refusal of a write without
    its CSRF token is told in the request's language, as every error is, instead of DRF's English "CSRF Failed: …"."""

    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as error:
            raise exceptions.PermissionDenied(_("CSRF 校验未通过：以登录会话调用 API 的写请求须在 X-CSRFToken 请求头中带上 "
                                                "csrftoken Cookie 的值，或改用令牌（Authorization: Token …）")) from error
