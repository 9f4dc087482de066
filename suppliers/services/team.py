"""A supplier admin's team (团队成员): the staff accounts that act for the supplier, added, disabled and enabled again,
their passwords reset, by the supplier's own admin only. Each account belongs to one supplier (SupplierMembership);
a disabled one cannot log in, and every change is in the membership's history with who, when and why."""
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext

from core.errors import NotFound, PermissionDenied, ValidationFailed, refuse
from core.fsm import apply_transition, log_creation
from core.roles import Role
from core.services import revoke_api_tokens
from core.texts import joined_messages
from core.validators import password_problems, required_text, validate_length, validate_mobile
from suppliers.models import SupplierMembership

User = get_user_model()


def require_supplier_admin(actor) -> None:
    """:raises PermissionDenied: unless `actor` administers a supplier"""
    if getattr(actor, "role", None) != Role.SUPPLIER_ADMIN or actor.supplier_id is None:
        raise PermissionDenied(gettext("仅礼品商管理员可以管理团队成员"))


def team_of(actor) -> QuerySet[SupplierMembership]:
    """The accounts of the actor's supplier, admins first. :raises PermissionDenied:"""
    require_supplier_admin(actor)
    return (SupplierMembership.objects.filter(supplier_id=actor.supplier_id).select_related("user")
            .order_by("user__role", "user__username"))


def admin_usernames(supplier_id: int) -> list[str]:
    """The usernames of the supplier's admins who may log in: those who act where a staff account only reads (they
    confirm or dispute a statement), named to the staff so that they know whom to ask."""
    return list(User.objects.filter(supplier_membership__supplier_id=supplier_id, role=Role.SUPPLIER_ADMIN, is_active=True)
                .order_by("username").values_list("username", flat=True))


def staff_member(actor, pk: int) -> SupplierMembership:
    """A staff account of the actor's supplier; another supplier's is not found, an admin's is not the actor's to
    manage. :raises NotFound: :raises PermissionDenied:"""
    membership = team_of(actor).filter(pk=pk).first()
    if membership is None:
        raise NotFound(gettext("没有该成员"))
    if membership.user.role != Role.SUPPLIER_STAFF:
        raise PermissionDenied(gettext("只能管理员工账号"))
    return membership


def _password(value: str, *, user=None) -> str:
    if problems := password_problems(value, user=user):
        raise ValidationFailed(joined_messages(message for _field, _code, message in problems), field="password")
    return value


def add_staff(*, actor, username: str, name: str, phone: str, password: str, now: datetime) -> SupplierMembership:
    """Create a staff account of the actor's supplier, active at once; the admin hands the first password over and
    the staff member changes it. :raises PermissionDenied: :raises ValidationFailed: naming every bad field"""
    require_supplier_admin(actor)
    errors: list[tuple[str, str, str]] = []

    def checked(field: str, check):
        try:
            return check()
        except ValidationFailed as error:
            errors.append((field, error.code, error.detail))

    username = checked("username", lambda: _username(username))
    name = checked("name", lambda: _name(name))
    phone = checked("phone", lambda: validate_mobile(phone, field="phone"))
    user = User(username=username or "", first_name=name or "", phone=phone or "", role=Role.SUPPLIER_STAFF, date_joined=now)
    checked("password", lambda: _password(password, user=user))
    refuse(errors)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
            membership = SupplierMembership.objects.create(user=user, supplier_id=actor.supplier_id)
            log_creation(membership, "create", actor=actor, at=now)
            return membership
    except IntegrityError:  # the same username taken at the same moment
        raise ValidationFailed(gettext("该用户名已被使用"), field="username") from None


def staff_field_problem(field: str, value: str) -> tuple[str, str] | None:
    """Why `value` cannot be a new staff account's `field` (username, name, phone or password), as (error code,
    message), by the rule `add_staff` judges it with; None when it can. A password is judged here without the account
    (`add_staff` judges it again with it: too like the username, the name or the phone)."""
    checks = {"username": _username, "name": _name, "phone": lambda v: validate_mobile(v, field="phone"), "password": _password}
    try:
        checks[field](value)
    except ValidationFailed as error:
        return error.code, error.detail
    return None


def _username(value: str) -> str:
    username = validate_length((value or "").strip(), model=User, column="username")
    if not username:
        raise ValidationFailed(gettext("请填写用户名"), field="username")
    try:
        User.username_validator(username)
    except DjangoValidationError:
        raise ValidationFailed(gettext("用户名只能包含字母、数字和 @ . + - _"), field="username") from None
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed(gettext("该用户名已被使用"), field="username")
    return username


def _name(value: str) -> str:
    name = validate_length((value or "").strip(), model=User, column="first_name", field="name")
    if not name:
        raise ValidationFailed(gettext("请填写姓名"), field="name")
    return name


def disable_member(*, actor, membership: SupplierMembership, now: datetime, reason: str) -> SupplierMembership:
    """Disable a staff account (it can no longer log in). :raises ValidationFailed: without a reason
    :raises InvalidTransition: already disabled"""
    membership = staff_member(actor, membership.pk)
    required_text(reason, message=gettext("请说明停用原因"))
    with transaction.atomic():
        apply_transition(membership, "disable", actor=actor, at=now, reason=reason.strip())
        User.objects.filter(pk=membership.user_id).update(is_active=False)
    return membership


def enable_member(*, actor, membership: SupplierMembership, now: datetime, reason: str = "") -> SupplierMembership:
    """Enable a disabled staff account again. :raises InvalidTransition: not disabled"""
    membership = staff_member(actor, membership.pk)
    with transaction.atomic():
        apply_transition(membership, "enable", actor=actor, at=now, reason=(reason or "").strip())
        User.objects.filter(pk=membership.user_id).update(is_active=True)
    return membership


def reset_password(*, actor, membership: SupplierMembership, password: str, now: datetime) -> SupplierMembership:
    """Set a staff member's password (a forgotten one, or one someone else may know): its sessions end, and its API
    tokens are revoked, so whoever held the old password or a token must log in again. The membership's history
    records who reset it and when, never the password.
    :raises ValidationFailed: a password the validators refuse"""
    membership = staff_member(actor, membership.pk)
    user = membership.user
    user.set_password(_password(password, user=user))
    with transaction.atomic():
        user.save(update_fields=["password"])
        revoke_api_tokens(user=user)
        apply_transition(membership, "reset_password", actor=actor, at=now)
    return membership
