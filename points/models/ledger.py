"""The points ledger (SPEC §4.4): append-only entries, lots by earning year, and what each entry took from each lot."""
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from core.tenancy import ScopedManager, Visibility


class PointsAccount(models.Model):
    member = models.OneToOneField("points.Member", on_delete=models.CASCADE, related_name="account")
    balance = models.IntegerField(_("余额"), default=0)

    objects = ScopedManager()
    visibility = Visibility(member="member", staff=frozenset({"operator"}))

    class Meta:
        verbose_name = _("积分账户")
        verbose_name_plural = _("积分账户")
        constraints = [models.CheckConstraint(condition=Q(balance__gte=0), name="points_balance_not_negative")]


class PointsLot(models.Model):
    """Points earned in one year; they expire at 23:59:59 on 31 December of the next year (Asia/Shanghai)."""

    account = models.ForeignKey(PointsAccount, on_delete=models.CASCADE, related_name="lots")
    year = models.PositiveSmallIntegerField(_("获得年份"))
    earned = models.IntegerField(_("累计获得"), default=0)
    remaining = models.IntegerField(_("剩余"), default=0)
    expires_at = models.DateTimeField(_("到期时间"))
    expired_at = models.DateTimeField(_("已过期处理时间"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("到期提醒时间"), null=True, blank=True)

    objects = ScopedManager()
    visibility = Visibility(member="account__member", staff=frozenset({"operator"}))

    class Meta:
        ordering = ["expires_at", "id"]
        verbose_name = _("积分批次")
        verbose_name_plural = _("积分批次")
        constraints = [
            models.UniqueConstraint(fields=["account", "year"], name="one_lot_per_account_year"),
            models.CheckConstraint(condition=Q(remaining__gte=0), name="lot_remaining_not_negative"),
            models.CheckConstraint(condition=Q(remaining__lte=F("earned")), name="lot_remaining_within_earned"),
        ]


class LedgerEntry(models.Model):
    class Kind(models.TextChoices):
        EARN = "earn", _("获得")
        REDEEM = "redeem", _("兑换")
        REFUND = "refund", _("退还")
        EXPIRE = "expire", _("过期")
        ADJUST = "adjust", _("调整")

    account = models.ForeignKey(PointsAccount, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    points = models.IntegerField(_("积分"))
    balance_after = models.IntegerField(_("变动后余额"))
    reason_code = models.CharField(_("原因代码"), max_length=40)
    source_type = models.CharField(_("来源类型"), max_length=30)
    source_id = models.CharField(_("来源编号"), max_length=60)
    source_line = models.PositiveIntegerField(_("来源行"), default=0)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("说明"), max_length=200, blank=True, default="")  # an operator's correction says why

    objects = ScopedManager()
    visibility = Visibility(member="account__member", staff=frozenset({"operator"}))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = pgettext_lazy("one item", "积分流水")
        verbose_name_plural = _("积分流水")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "kind", "source_type", "source_id", "source_line"], name="ledger_entry_once_per_source"
            ),
            models.CheckConstraint(condition=~Q(points=0), name="ledger_entry_not_zero"),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="ledger_balance_after_not_negative"),
        ]


class LotAllocation(models.Model):
    """How many points an entry took from (negative) or gave to (positive) one lot.

    A refund's allocations name the redeem entry they reverse, so a later refund knows what is still drawn.
    """

    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="allocations")
    lot = models.ForeignKey(PointsLot, on_delete=models.PROTECT, related_name="allocations")
    points = models.IntegerField()
    reverses = models.ForeignKey(LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="reversals")

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(points=0), name="lot_allocation_not_zero")]
