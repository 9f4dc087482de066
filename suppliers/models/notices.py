"""The supplier's portal inbox (站内通知)."""
from django.db import models
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from core.tenancy import ScopedManager, Visibility
from core.texts import texts_of

#: Every kind of notice the inbox holds, with its name, in the order the inbox's 类型 filter offers them: the kinds sent
#: (each also classified as asking action or not in suppliers.services.notices); a kind not here shows as its code.
KIND_LABELS = {
    "supplier_approved": _("入驻申请通过"),
    "application_rejected": _("入驻申请未通过"),
    "profile_change_approved": _("资料变更通过"),
    "profile_change_rejected": _("资料变更未通过"),
    "contract_approved": _("合同审核通过"),
    "contract_rejected": _("合同审核未通过"),
    "qualification_approved": _("资质审核通过"),
    "qualification_rejected": _("资质审核未通过"),
    "qualification_expiring": _("资质即将到期"),
    "qualification_expired": _("资质已过期"),
    "gift_approved": _("礼品审核通过"),
    "gift_rejected": _("礼品审核未通过"),
    "revision_approved": _("礼品修改通过"),
    "revision_rejected": _("礼品修改未通过"),
    "gift_published": _("礼品上线"),  # listed at once or at its scheduled time
    "gift_schedule_cancelled": _("礼品未能按计划上线"),
    "gift_clearance": _("礼品清仓"),
    "gift_delisted": _("礼品下线"),
    "gift_retired": _("礼品退市"),
    "replenishment": _("补货提醒"),
    "own_stock_low": _("自有仓库存预警"),
    "stock_corrected": _("物流仓盘点更正"),
    "inbound_received": _("入库单收货"),
    "inbound_put_away": _("入库单上架"),
    "inbound_over_received": _("入库单到货多于预报"),
    "leftover_lots": _("遗留礼品"),
    "dropship_to_ship": _("直发订单待发货"),
    "dropship_redelivery": _("直发订单重新发货"),
    "dropship_replacement": _("直发换货待发出"),
    "dropship_send_back": _("货品待寄回会员"),
    "return_approved": _("退换货批准"),
    "return_inspected": _("退换货检验结论"),
    "goods_back_dispatched": _("质量问题退货已退回"),
    "replacement_reshipped": _("换货重新发出"),
    "replacement_refunded": _("换货改为退积分"),
    "complaint_assigned": _("投诉待答复"),
    "complaint_reminder": _("投诉催办"),
    "complaint_escalated": _("投诉超时升级"),
    "complaint_auto_resolved": _("投诉自动解决"),
    "public_complaint_answered": _("本方提交的投诉已答复"),
    "statement_issued": _("结算单下发"),
    "statement_deadline_moved": _("结算单答复期限变更"),
    "statement_deemed_confirmed": _("结算单视同确认"),
    "statement_paid": _("结算单付款"),
    "statement_collected": _("结算单应收款收到"),
    "adjustment_approved": _("调账生效"),
    "extra_cost_charged": _("新增额外费用"),
    "extra_cost_voided": _("额外费用作废"),
    "assessment_published": _("月度考核结果"),
    "suspension_proposed": _("暂停合作建议"),
    "suspension_dismissed": _("暂停合作建议不予暂停"),
    "rectification_case": _("警告与整改"),
    "re_evaluation_renewed": _("复评续约"),
    "supplier_suspended": _("合作暂停"),
    "supplier_reactivated": _("合作恢复"),
    "supplier_terminated": _("合作终止"),
}


class Notice(models.Model):
    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(_("类型"), max_length=40)
    # the title and body are message ids (Chinese, marked with gettext_noop) with the values in `params`, written in
    # the reader's language when shown; a notice without params is shown as stored
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"))
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    objects = ScopedManager()
    visibility = Visibility(supplier="supplier", staff=frozenset({"operator"}))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = pgettext_lazy("one item", "站内通知")
        verbose_name_plural = _("站内通知")

    def __str__(self) -> str:
        return self.title_label

    @property
    def kind_label(self) -> str:
        """The kind's name in the reader's language (KIND_LABELS), or its code for a kind without one."""
        return KIND_LABELS.get(self.kind, self.kind)

    title_text, title_label = texts_of("title", "params")
    body_text, body_label = texts_of("body", "params")
