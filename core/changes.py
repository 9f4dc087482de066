"""How a setting's change is kept (`core.models.SettingChange`): a change of a value says why, the same value again is
no change and needs no reason; who made it is the user acting, none for the system."""
from typing import Any

from django.utils.translation import gettext

from core.validators import required_text


def required_reason(reason: str) -> str:
    """The reason of a change that changes something, without surrounding spaces.

    :raises ValidationFailed: `required`, naming `reason`, when it is missing or blank
    """
    return required_text(reason, field="reason", message=gettext("请填写修改原因"))


def changed_by(actor: Any) -> Any:
    """The user a change is kept under: the actor, or none for the system (a command, a scheduled job)."""
    return actor if getattr(actor, "pk", None) else None
