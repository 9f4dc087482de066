"""Errors of the supplier app (catalog, inventory, qualifications)."""
from django.utils.translation import gettext_lazy

from core.errors import Conflict, DomainError, ValidationFailed


class OutOfStock(Conflict):
    code = "out_of_stock"
    default_detail = gettext_lazy("库存不足")


class IncompleteGift(ValidationFailed):
    code = "incomplete"
    default_detail = gettext_lazy("礼品资料不完整")


class ProgramNotContracted(ValidationFailed):
    code = "program_not_contracted"
    default_detail = gettext_lazy("礼品商的合同不包含该积分计划")


class StockChanged(Conflict):
    """A count of own stock made from a figure that is no longer the available one (an order or another count came in
    between): booking its difference would undo what happened meanwhile."""

    code = "stock_changed"


class QualificationBlocked(Conflict):
    code = "qualification_blocked"
    default_detail = gettext_lazy("资质已过期，续期前礼品不能送审或上线")


class ClearanceNotAllowed(Conflict):
    code = "clearance_not_allowed"
    default_detail = gettext_lazy("只有因礼品商申请或销量低下线的礼品可以清仓")


class NothingToClear(Conflict):
    code = "no_stock_to_clear"
    default_detail = gettext_lazy("该礼品没有库存，不能清仓：清仓只用于售出剩余的库存")


class ActivationBlocked(Conflict):
    code = "activation_requirements_missing"
    default_detail = gettext_lazy("启用前须有已生效的合同和有效的营业执照")


class SupplierNotCooperating(Conflict):
    code = "supplier_not_active"
    default_detail = gettext_lazy("礼品商未在合作中")


class RevisionPending(Conflict):
    """A gift's change asked for while another of its revisions still waits for review."""

    code = "revision_pending"


class ChangePending(Conflict):
    """A profile change asked for while a change of the same field still waits for review."""

    code = "change_pending"


class TooManyApplications(DomainError):
    """A client address that sent too many supplier applications, refused until its lockout ends (`retry_after`: the
    seconds to wait)."""

    code = "too_many_applications"
    status = 429
    default_detail = gettext_lazy("申请提交过于频繁，请稍后再试")
