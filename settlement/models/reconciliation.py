"""Reconciliation (对账, SPEC §4.11): a supplier's own statement matched against one version of ours."""
from datetime import date
from typing import NamedTuple

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _, pgettext_lazy
from django.utils.translation import gettext_noop

from core.roles import SUPPLIER_ROLES
from core.tenancy import ScopedManager, Visibility
from core.texts import texts_of

from .adjustments import Adjustment
from .statements import MONEY, SETTLEMENT_STAFF, ZERO


class Category(models.TextChoices):
    """In the order a supplier's line is tested against them (the first that fits wins); then our unmatched lines."""

    DUPLICATE = "duplicate", _("重复行")
    OTHER_PERIOD = "other_period", _("属于其他账期")
    MISSING_IN_OURS = "missing_in_ours", _("平台无此记录")
    QUANTITY_MISMATCH = "quantity_mismatch", _("数量不符")
    AMOUNT_MISMATCH = "amount_mismatch", _("金额不符")
    MATCHED = "matched", _("一致")
    MISSING_IN_SUPPLIER = "missing_in_supplier", _("礼品商无此记录")


class Resolution(models.TextChoices):
    ACCEPT_OURS = "accept_ours", _("以平台为准")
    ACCEPT_THEIRS = "accept_theirs", _("以礼品商为准（调账）")
    WRITE_OFF = "write_off", _("核销")
    CARRY_FORWARD = "carry_forward", _("转入下期")


#: The line kinds of a supplier's reconciliation file, by their Chinese names (the file's own words: an upload takes
#: either, a download of our figures writes these).
KIND_NAMES = {"delivery": gettext_noop("配送"), "return": gettext_noop("退货"), "replacement": gettext_noop("换货")}

#: States of a resolving adjustment that leave its line to resolve again.
REOPENING = frozenset({Adjustment.State.REJECTED, Adjustment.State.WITHDRAWN})
#: States of an adjustment that answer a difference: another one for the same order, SKU and kind would pay it twice.
ANSWERING = frozenset({Adjustment.State.PROPOSED, Adjustment.State.APPROVED})

#: Resolutions that propose an adjustment of theirs − ours.
ADJUSTING = frozenset({Resolution.ACCEPT_THEIRS, Resolution.CARRY_FORWARD})
#: A duplicate row is the supplier's line counted twice: adjusting by theirs − ours (ours being nothing for the
#: second copy) would pay it a second time.
NOT_ADJUSTABLE = frozenset({Category.DUPLICATE})


class Reconciliation(models.Model):
    """One uploaded supplier file for one statement version, with counts and totals per category."""

    statement = models.ForeignKey("settlement.Statement", on_delete=models.PROTECT, related_name="reconciliations")
    version = models.ForeignKey("settlement.StatementVersion", on_delete=models.PROTECT, related_name="reconciliations")
    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("文件名"), max_length=200)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"))
    row_count = models.PositiveIntegerField(_("文件行数"), default=0)
    # {category: {"count": n, "ours": "0.00", "theirs": "0.00", "ours_gross": "0.00", "theirs_gross": "0.00"}}: the signed
    # totals and the amounts added regardless of sign (migration 0030 gave the gross ones to the summaries stored before;
    # a reader takes a missing one as "0.00")
    summary = models.JSONField(_("汇总"), default=dict)
    # a later file uploaded for the same statement version: its lines answer the differences, these no longer do
    superseded_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                      verbose_name=_("被替代于"))

    objects = ScopedManager()
    visibility = Visibility(supplier="supplier", staff=SETTLEMENT_STAFF)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("对账")
        verbose_name_plural = _("对账")

    def __str__(self) -> str:
        return f"{self.statement} · {self.file_name}"

    @property
    def reissued(self) -> bool:
        """The statement has been reissued since this file was matched: its differences are answered by the new version
        (and a file matched against it), not here."""
        return self.version.number < self.statement.version

    @property
    def superseded(self) -> bool:
        """已过期: the statement was reissued, or a later file was uploaded for the same version; nothing here is resolved
        any more (`settlement.services.reconciliation.CURRENT` is the same test in SQL)."""
        return self.superseded_by_id is not None or self.reissued


class ReconciliationLine(models.Model):
    reconciliation = models.ForeignKey(Reconciliation, on_delete=models.PROTECT, related_name="lines")
    row = models.PositiveIntegerField(_("文件行号"), null=True, blank=True)  # none for our lines absent from the file
    order_number = models.CharField(_("订单号"), max_length=30, blank=True)
    sku = models.CharField(_("SKU"), max_length=60, blank=True)
    kind = models.CharField(_("明细类型"), max_length=20, blank=True, choices=[(code, _(name)) for code, name in KIND_NAMES.items()])
    quantity = models.IntegerField(_("礼品商数量"), null=True, blank=True)
    amount = models.DecimalField(_("礼品商金额"), null=True, blank=True, **MONEY)
    our_line = models.ForeignKey("settlement.StatementLine", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    our_quantity = models.IntegerField(_("平台数量"), null=True, blank=True)
    our_amount = models.DecimalField(_("平台金额"), null=True, blank=True, **MONEY)
    category = models.CharField(_("结果"), max_length=20, choices=Category.choices)
    # the key has an event of ours no statement has claimed yet (other_period; or a mismatch whose difference includes
    # it): a later statement books it, so it is not adjusted
    booked_later = models.BooleanField(_("之后记账"), default=False)
    resolution = models.CharField(_("处理"), max_length=20, choices=Resolution.choices, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    note = models.CharField(_("处理说明"), max_length=300, blank=True)
    note_params = models.JSONField(_("处理说明参数"), null=True, blank=True)  # the values of a note the system wrote (core.texts)
    adjustment = models.ForeignKey("settlement.Adjustment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedManager()
    visibility = Visibility(supplier="reconciliation__supplier", staff=SETTLEMENT_STAFF)
    note_text, note_label = texts_of("note", "note_params")

    class Meta:
        ordering = ["reconciliation_id", "row", "id"]
        verbose_name = pgettext_lazy("one item", "对账明细")
        verbose_name_plural = _("对账明细")
        indexes = [models.Index(fields=["reconciliation", "category"])]

    def __str__(self) -> str:
        return f"{self.order_number} {self.sku} {self.get_category_display()}"

    @property
    def booked_in(self):
        """The line of another statement that booked this one's event (属于其他账期: 已计入 2026-09 结算单 v1), with its
        statement; None otherwise (one a later statement will book has no line yet)."""
        if self.category != Category.OTHER_PERIOD or self.our_line is None:
            return None
        return self.our_line if self.our_line.statement_id != self.reconciliation.statement_id else None

    def booked_in_for(self, actor) -> "BookedIn | None":
        """Which statement booked the line as `actor` reads it (the page's 已计入, the API's `booked_in`): a supplier's
        users do not open a statement still drafted (编制中), so they read its month only, neither its id nor version."""
        booked = self.booked_in
        if booked is None:
            return None
        statement = booked.statement
        if statement.state == "draft" and getattr(actor, "role", None) in SUPPLIER_ROLES:
            return BookedIn(statement_id=None, month=statement.month, version=None)
        return BookedIn(statement_id=statement.pk, month=statement.month, version=booked.version)

    @property
    def difference(self):
        """Theirs − ours, a missing figure counting as zero: what accepting the supplier's figure adjusts."""
        return (self.amount or ZERO) - (self.our_amount or ZERO)

    @property
    def discrepancy(self) -> bool:
        return self.category != Category.MATCHED

    #: Names an event of ours still to come (an order not delivered yet, a return still open), read live with the line
    #: (`settlement.services.pending.with_pending`): the statement of the month it is recorded in books it.
    awaiting = False
    #: Its order, SKU and kind has an event of ours recorded since the file was uploaded, read live with the line
    #: (`settlement.services.pending.with_pending`): the figures it was matched against no longer hold.
    recorded_since = False
    #: A mismatch whose order, SKU and kind a statement of another month books too, read live with the line
    #: (`settlement.services.pending.with_pending`): the difference may be that statement's event.
    booked_elsewhere = False

    @property
    def held_by(self) -> str:
        """Which event of ours a statement books (or will) keeps an adjustment of this line from settling it, the first
        that holds: "booked_later_part" (part of the difference books later), "booked_later", "recorded_since",
        "booked_elsewhere", "awaiting"; "" for none. The page's note and the refusal's reason are said by it."""
        if self.booked_later:
            return "booked_later" if self.category == Category.OTHER_PERIOD else "booked_later_part"
        return next((flag for flag in ("recorded_since", "booked_elsewhere", "awaiting") if getattr(self, flag)), "")

    @property
    def adjustable(self) -> bool:
        """An adjustment of theirs − ours may settle it: not a duplicate row (paid twice), nor an event of ours a later
        statement books (`held_by`: `booked_later`, or `awaiting` while it may still be recorded, or `recorded_since`:
        paid by that statement and by the adjustment; `booked_elsewhere`: a mismatch another month's statement may
        explain)."""
        return self.category not in NOT_ADJUSTABLE and not self.held_by

    @property
    def resolutions(self) -> list[tuple[str, str]]:
        """The (value, label) choices this line may be resolved with: an adjustment only where one may settle it and
        there is a difference to adjust (a line of another period whose figures agree has none)."""
        adjusts = self.adjustable and bool(self.difference)
        return [(value, label) for value, label in Resolution.choices if value not in ADJUSTING or adjusts]

    @property
    def open(self) -> bool:
        """A discrepancy still to resolve: never resolved, or resolved by an adjustment the checker rejected or its maker
        withdrew; never one of a superseded reconciliation."""
        if not self.discrepancy or self.reconciliation.superseded:
            return False
        return not self.resolution or (self.adjustment is not None and self.adjustment.state in REOPENING)


class LineResolution(models.Model):
    """One resolution of a reconciliation line: who resolved it, when, how, why and the adjustment it proposed. Every
    one is kept: a line resolved again (its adjustment rejected or withdrawn) holds the latest in its own fields, and
    its earlier ones here, each with its adjustment (whose state says why the line was open again)."""

    line = models.ForeignKey(ReconciliationLine, on_delete=models.PROTECT, related_name="resolution_log", verbose_name=_("对账明细"))
    resolution = models.CharField(_("处理"), max_length=20, choices=Resolution.choices)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField(_("处理时间"))
    note = models.CharField(_("处理说明"), max_length=300, blank=True)
    note_params = models.JSONField(_("处理说明参数"), null=True, blank=True)  # the values of a note the system wrote (core.texts)
    adjustment = models.ForeignKey("settlement.Adjustment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedManager()
    visibility = Visibility(supplier="line__reconciliation__supplier", staff=SETTLEMENT_STAFF)
    note_text, note_label = texts_of("note", "note_params")

    class Meta:
        ordering = ["resolved_at", "id"]
        verbose_name = _("对账处理记录")
        verbose_name_plural = _("对账处理记录")

    def __str__(self) -> str:
        return f"{self.line} {self.get_resolution_display()}"


class BookedIn(NamedTuple):
    """The statement that booked a line of another period, as one reader reads it (`ReconciliationLine.booked_in_for`)."""
    statement_id: int | None  # None: a draft (编制中) the reader does not open
    month: date
    version: int | None
