"""Members of a points program (会员)."""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.masking import mask_name, mask_phone
from core.models import FixedFields, Program, Tier
from core.tenancy import ScopedManager, Visibility


class Member(FixedFields):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="member")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="members")
    tier = models.CharField(_("等级"), max_length=10, choices=Tier.choices, default=Tier.STANDARD)
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("手机号"), max_length=20, unique=True)
    reminders_opt_out = models.BooleanField(_("退订非紧急提醒"), default=False)

    objects = ScopedManager()
    visibility = Visibility(member="self", staff=frozenset({"operator"}))

    # a member's points, orders and prices were in the program it joined
    fixed_fields = ("program",)
    fixed_message = _("会员的积分计划不能更改：其积分、订单和价格都属于加入时的积分计划")

    class Meta:
        ordering = ["id"]
        verbose_name = _("会员")
        verbose_name_plural = _("会员")

    def __str__(self) -> str:
        return f"{mask_name(self.name)} ({mask_phone(self.phone)})"

    def clean(self) -> None:
        """A program without tiers (M-Zone) has standard members only (SPEC §4.4): the only tier its prices know."""
        super().clean()
        if self.program_id is not None and not self.program.has_tiers and self.tier != Tier.STANDARD:
            raise ValidationError({"tier": _("%(program)s不分会员等级，会员等级须为普通") % {"program": self.program.label}})
