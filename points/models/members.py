"""Members of a points program (会员)."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.masking import mask_name, mask_phone
from core.models import Program, Tier
from core.tenancy import ScopedManager, Visibility


class Member(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="member")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="members")
    tier = models.CharField(_("等级"), max_length=10, choices=Tier.choices, default=Tier.STANDARD)
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("手机号"), max_length=20, unique=True)
    reminders_opt_out = models.BooleanField(_("退订非紧急提醒"), default=False)

    objects = ScopedManager()
    visibility = Visibility(member="self", staff=frozenset({"operator"}))

    class Meta:
        ordering = ["id"]
        verbose_name = _("会员")
        verbose_name_plural = _("会员")

    def __str__(self) -> str:
        return f"{mask_name(self.name)} ({mask_phone(self.phone)})"
