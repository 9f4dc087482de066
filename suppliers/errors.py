"""Errors of the supplier app (catalog, inventory, qualifications)."""
from core.errors import Conflict, ValidationFailed


class OutOfStock(Conflict):
    code = "out_of_stock"
    default_detail = "库存不足 (not enough stock)."


class IncompleteGift(ValidationFailed):
    code = "incomplete"
    default_detail = "礼品资料不完整 (the gift data is incomplete)."


class QualificationBlocked(Conflict):
    code = "qualification_blocked"
    default_detail = "资质已过期，续期前不能提交礼品 (an expired qualification blocks submissions)."


class ClearanceNotAllowed(Conflict):
    code = "clearance_not_allowed"
    default_detail = "只有因礼品商申请或销量低下线的礼品可以清仓 (clearance only after a supplier-request or low-sales delisting)."


class ActivationBlocked(Conflict):
    code = "activation_requirements_missing"
    default_detail = "启用前须有已生效的合同和有效的营业执照 (an approved contract and a valid business licence are required)."
