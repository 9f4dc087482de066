"""Signing in: the login form, which tells an account that may not sign in yet why — only once its password is right,
so that a wrong one learns nothing — through the explanations apps register (an applicant: how its application stands);
and the one limiter of failed attempts, used by the login page, the admin's login page and the API token alike (and,
counting every attempt of a client address, by public forms an anonymous caller could mine, see `client_locked_out`)."""
import hashlib
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from core.errors import TooManyLoginFailures
from core.masking import mask_phones_in
from core.services import revoke_api_tokens
from core.texts import moment

logger = logging.getLogger(__name__)
_explanations: list[Callable] = []


#: the API's codes of a refused login the apps explain (the API token's schema lists them)
LOGIN_REFUSAL_CODES = ("application_pending", "application_rejected", "account_disabled")


@dataclass(frozen=True)
class LoginRefusal:
    """Why an account that gave its right password may not sign in: `code`, the API's error code for it (one of
    LOGIN_REFUSAL_CODES), and `reason`, the words the login page and the API token tell it."""

    code: str
    reason: str

    def __post_init__(self):
        if self.code not in LOGIN_REFUSAL_CODES:
            raise ValueError(f"{self.code!r} is no code of LOGIN_REFUSAL_CODES: add it there, for the API's schema to list it")


def explain_refused_login(explain: Callable) -> Callable:
    """Register `explain(user) -> LoginRefusal | None`: why an inactive user who gave its right password may not sign
    in, or None when that is not the app's business (call from an AppConfig.ready)."""
    if explain not in _explanations:
        _explanations.append(explain)
    return explain


def refused_login(username: str | None, password: str | None) -> LoginRefusal | None:
    """Why an inactive account may not sign in, for whoever gives its right password; None for an unknown user, a
    wrong password, an active account (refused for another reason) or one no app explains."""
    if not username or not password:
        return None
    model = get_user_model()
    try:
        user = model._default_manager.get_by_natural_key(username)
    except model.DoesNotExist:
        return None
    if user.is_active or not user.check_password(password):
        return None
    return next((refusal for explain in _explanations if (refusal := explain(user))), None)


class _LimitedLogin:
    """A login form limited by `authenticate_limited` (a locked-out username or client is told when to try again),
    where an account an app explains says why it may not sign in instead of "wrong password"."""

    def clean(self):
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = authenticate_limited(self.request, username=username, password=password, now=timezone.now())
            except TooManyLoginFailures as error:
                raise ValidationError(error.detail, code=error.code) from error
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data

    def get_invalid_login_error(self) -> ValidationError:
        refusal = refused_login(self.cleaned_data.get("username"), self.cleaned_data.get("password"))
        if refusal:
            return ValidationError(refusal.reason, code=refusal.code)
        return super().get_invalid_login_error()


class LoginForm(_LimitedLogin, AuthenticationForm):
    """The portal's login form."""


class AdminLoginForm(_LimitedLogin, AdminAuthenticationForm):
    """The admin's login form: the same limit as the portal's, failures on either counting for both."""


def authenticate_limited(request, *, username: str | None, password: str | None, now: datetime):
    """Django's `authenticate`, refused while the username or the client address is locked out: each failure counts
    (in the cache, shared by every process when `CACHE_URL` is set) for the username from that client, for the username
    from anywhere and for the client; within `LOGIN_LOCKOUT_MINUTES`, the `LOGIN_FAILURES_PER_USERNAME`-th failure of
    a username from one client locks it there, the `LOGIN_FAILURES_PER_USERNAME_ANYWHERE`-th from anywhere locks it
    everywhere and the `LOGIN_FAILURES_PER_CLIENT`-th of a client locks that client, each for that long, the right
    password included. So nobody locks another's account with a few tries of their own. A success clears the username's
    failures from that client; the right password of an account an app explains (an applicant asking how its application
    stands, see `refused_login`) is no failure. Returns the user, or None for a wrong username or password.

    :raises TooManyLoginFailures: while locked out, saying when to try again (`retry_after`: the seconds to wait)
    """
    client = _client_address(request)
    counters = _counters(username, client)
    if (until := _locked_until(counters, now=now)) is not None:
        seconds = math.ceil((until - now).total_seconds())
        # the minutes left and the time with its offset: an API client or a reader abroad need not guess the zone
        message = gettext("登录失败次数过多，请于 %(minutes)s 分钟后（%(time)s UTC%(offset)s）再试") % {
            "minutes": math.ceil(seconds / 60), "time": moment(until), "offset": timezone.localtime(until).isoformat()[-6:]}
        raise TooManyLoginFailures(message, retry_after=seconds)
    user = authenticate(request, username=username, password=password)
    if user is None and refused_login(username, password) is None:
        shown = mask_phones_in(username) if username else username  # a member's username is its mobile number (§4.13)
        logger.info("sign-in failed: username %r from %s", shown, client or "-")
        if locked := _count_failure(counters, now=now):
            logger.warning("sign-in locked out for %s minutes: username %r from %s (%s)",
                           settings.LOGIN_LOCKOUT_MINUTES, shown, client or "-", ", ".join(locked))
    elif user is not None and username:
        cache.delete(_username_key(username, client))
    return user


def client_locked_out(request, *, scope: str, allowed: int, now: datetime) -> int | None:
    """Count one attempt of the request's client at `scope` (e.g. `supplier-applications`) with the sign-in limiter's
    counters and window: within `LOGIN_LOCKOUT_MINUTES`, the `allowed`-th attempt of a client address locks it out of
    `scope` for that long. Returns None for an attempt that may go on (counted), or the seconds the client must wait
    while it is locked out (the attempt refused, not counted). A request naming no client address is not limited."""
    client = _client_address(request)
    if not client:
        return None
    counters = [(f"{scope}:client:{_digest(client)}", allowed, "the address")]
    if (until := _locked_until(counters, now=now)) is not None:
        return math.ceil((until - now).total_seconds())
    if _count_failure(counters, now=now):
        logger.warning("%s locked out for %s minutes: %s", scope, settings.LOGIN_LOCKOUT_MINUTES, client)
    return None


def _locked_until(counters: list[tuple[str, int, str]], *, now: datetime) -> datetime | None:
    """When the last lock of these counters still running ends (None: none is)."""
    locks = cache.get_many([f"{key}:until" for key, _allowed, _locks in counters])
    return max((at for at in locks.values() if at > now), default=None)


def _counters(username: str | None, client: str) -> list[tuple[str, int, str]]:
    """The cache keys counting failures of this sign-in, each with the failures it allows and what it locks (the log's)."""
    counters = [(_username_key(username, client), settings.LOGIN_FAILURES_PER_USERNAME, "the username from this address"),
                (_username_key(username), settings.LOGIN_FAILURES_PER_USERNAME_ANYWHERE, "the username everywhere")] if username else []
    if client:
        counters.append((f"login-failures:client:{_digest(client)}", settings.LOGIN_FAILURES_PER_CLIENT, "the address"))
    return counters


def _username_key(username: str, client: str | None = None) -> str:
    """The key counting a username's failures from one client, or from anywhere (`client` None)."""
    key = f"login-failures:user:{_digest(username.strip().lower())}"
    return key if client is None else f"{key}:from:{_digest(client)}"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def _client_address(request) -> str:
    """The client's address: the last one of `LOGIN_CLIENT_ADDRESS_HEADER` (appended by our own proxy), or the peer's."""
    meta = getattr(request, "META", {})
    forwarded = meta.get(settings.LOGIN_CLIENT_ADDRESS_HEADER, "") if settings.LOGIN_CLIENT_ADDRESS_HEADER else ""
    return forwarded.rsplit(",", 1)[-1].strip() or meta.get("REMOTE_ADDR", "")


def _count_failure(counters: list[tuple[str, int, str]], *, now: datetime) -> list[str]:
    """Count one failure on each counter (atomically: `incr`); one reaching its limit is locked for the window.
    Returns what was locked (none: nothing)."""
    window = settings.LOGIN_LOCKOUT_MINUTES * 60
    locked = []
    for key, allowed, locks in counters:
        cache.add(key, 0, timeout=window)  # the window starts at the first failure
        try:
            failures = cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.set(key, failures := 1, timeout=window)
        if failures >= allowed:
            cache.set(f"{key}:until", now + timedelta(seconds=window), timeout=window)
            locked.append(locks)
    return locked


class _RevokesTokens:
    """A password form whose saved password revokes the user's API tokens: whoever held a token with the old password
    asks for a new one with the new."""

    def set_password_and_save(self, user, *args, commit=True, **kwargs):
        user = super().set_password_and_save(user, *args, commit=commit, **kwargs)
        if commit:
            revoke_api_tokens(user=user)
        return user


class PasswordChangeForm(_RevokesTokens, auth_forms.PasswordChangeForm):
    """A user's change of its own password (账户 → 修改密码), its old password checked by `authenticate_limited` as a
    sign-in is: a wrong one counts towards the same lockout, and a locked-out username or client is told when to try
    again, so a session left open is no way round the limit on guessing the password. `request`: the page's."""

    def __init__(self, user, *args, request=None, **kwargs) -> None:
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        try:
            signed_in = authenticate_limited(self.request, username=self.user.get_username(), password=old_password, now=timezone.now())
        except TooManyLoginFailures as error:
            raise ValidationError(error.detail, code=error.code) from error
        if signed_in is None or signed_in.pk != self.user.pk:
            raise ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password


class AdminPasswordChangeForm(_RevokesTokens, auth_forms.AdminPasswordChangeForm):
    """A superuser's setting of a user's password in the admin."""
