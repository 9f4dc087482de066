"""Reference data: the two points programs and the GoTone tiers."""
from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

#: the names the programs are created with (core/migrations/0002_programs.py), which pages show translated
PROGRAM_NAMES = (gettext_noop("全球通积分计划"), gettext_noop("动感地带M计划"))


class Tier(models.TextChoices):
    """GoTone member tiers, lowest first; M-Zone members are always standard."""

    STANDARD = "standard", _("普通")
    SILVER = "silver", _("银卡")
    GOLD = "gold", _("金卡")
    DIAMOND = "diamond", _("钻石卡")

    @classmethod
    def rank(cls, tier: str) -> int:
        return _TIER_ORDER.index(tier)

    @classmethod
    def at_or_below(cls, tier: str) -> list[str]:
        """The tiers a member of `tier` may see (a gift's minimum tier must be one of these)."""
        return list(_TIER_ORDER[: cls.rank(tier) + 1])


_TIER_ORDER = tuple(Tier.values)  # `values` builds its list on every call (the choices' labels are lazy)


class Program(models.Model):
    GOTONE = "gotone"
    MZONE = "mzone"

    code = models.CharField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    sms_confirmation_threshold = models.PositiveIntegerField(
        _("短信确认门槛（积分）"), help_text=_("兑换所需积分达到该值时须短信验证码二次确认")
    )
    has_tiers = models.BooleanField(_("区分会员等级"), default=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("积分计划")
        verbose_name_plural = _("积分计划")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the reader's language: a name the programs were created with has a translation; a name changed
        since shows as typed."""
        return gettext(self.name)
