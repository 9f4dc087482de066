"""Signing in: the login form, which tells an account that may not sign in yet why — only once its password is right,
so that a wrong one learns nothing — through the explanations apps register (an applicant: how its application stands)."""
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

_explanations: list[Callable] = []


def explain_refused_login(explain: Callable) -> Callable:
    """Register `explain(user) -> str | None`: why an inactive user who gave its right password may not sign in, or
    None when that is not the app's business (call from an AppConfig.ready)."""
    if explain not in _explanations:
        _explanations.append(explain)
    return explain


def refused_login_reason(username: str | None, password: str | None) -> str | None:
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
    return next((reason for explain in _explanations if (reason := explain(user))), None)


class LoginForm(AuthenticationForm):
    """Django's login form; an account an app explains says why it may not sign in instead of "wrong password"."""

    def get_invalid_login_error(self) -> ValidationError:
        reason = refused_login_reason(self.cleaned_data.get("username"), self.cleaned_data.get("password"))
        if reason:
            return ValidationError(reason, code="inactive")
        return super().get_invalid_login_error()
