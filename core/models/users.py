"""Users and their one role; suppliers and members link to a user from their own apps."""
from django.contrib.auth.models import AbstractUser, UserManager as DjangoUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from core.masking import mask_phone
from core.roles import STAFF_ROLES, SUPPLIER_ROLES, Role


OPERATOR_ADMIN_APPS = frozenset({"core", "suppliers", "points", "logistics", "settlement"})


class UserManager(DjangoUserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        """A superuser (`manage.py createsuperuser`) is an operator unless told otherwise: a member needs a member
        profile, which only the points program makes."""
        extra_fields.setdefault("role", Role.OPERATOR)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            # "Zhang" and "zhang" would be two logins a person cannot tell apart: the services check it, this stands behind them
            models.UniqueConstraint(Lower("username"), name="username_unique_ignoring_case", violation_error_message=_("该用户名已被使用")),
        ]

    def __str__(self) -> str:
        """The login name, a member's masked (SPEC §4.13): its login is its phone number."""
        return mask_phone(self.username) if self.role == Role.MEMBER else self.username

    @property
    def is_supplier_user(self) -> bool:
        return self.role in SUPPLIER_ROLES

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES

    def has_perm(self, perm: str, obj=None) -> bool:
        """Operators read the product's own apps in the admin, and only read: every change they make goes through its
        portal page and service (the state machine, its rules, its log). Everything else as Django decides."""
        app_label, _dot, codename = perm.partition(".")
        if self.is_active and self.role == Role.OPERATOR and app_label in OPERATOR_ADMIN_APPS and codename.startswith("view_"):
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        if self.is_active and self.role == Role.OPERATOR and app_label in OPERATOR_ADMIN_APPS:
            return True
        return super().has_module_perms(app_label)

    @cached_property
    def supplier_id(self) -> int | None:
        """The one supplier a supplier admin or staff user belongs to (SupplierMembership)."""
        membership = getattr(self, "supplier_membership", None) if self.is_supplier_user else None
        return membership.supplier_id if membership else None

    @cached_property
    def member_id(self) -> int | None:
        """The member profile of a member user."""
        member = getattr(self, "member", None) if self.role == Role.MEMBER else None
        return member.pk if member else None
