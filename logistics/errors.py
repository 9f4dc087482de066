"""Errors of the logistics app."""
from django.utils.translation import gettext_lazy

from core.errors import Conflict, DomainError, NotFound, PermissionDenied


class UnknownShipment(NotFound):
    code = "unknown_shipment"
    default_detail = gettext_lazy("未找到该运单号的运单")


class BadSignature(PermissionDenied):
    code = "bad_signature"
    default_detail = gettext_lazy("签名无效")


class StaleRequest(DomainError):
    code = "stale_request"
    status = 401
    default_detail = gettext_lazy("请求已过期（超过5分钟）")


class ShipmentAlreadyPicked(Conflict):
    code = "shipment_already_picked"
    default_detail = gettext_lazy("运单已拣货，不能取消")


class CarrierEventRejected(Conflict):
    code = "carrier_event_rejected"
    default_detail = gettext_lazy("事件已记录，但运单无法执行该操作")


class EventIdReused(DomainError):
    code = "event_id_reused"
    status = 422
    default_detail = gettext_lazy("该事件编号已用于内容不同的事件")


class SequenceTaken(Conflict):
    code = "event_sequence_taken"
    default_detail = gettext_lazy("该运单的此序号已有另一个事件")


class FeeAlreadyRecorded(Conflict):
    code = "fee_already_recorded"
    default_detail = gettext_lazy("该遗留批次当天的此项费用已记录")


class DisposalTooEarly(Conflict):
    code = "disposal_too_early"
    default_detail = gettext_lazy("遗留礼品在取回期限届满前不能销毁处置")


class GiftRetiredOnArrival(Conflict):
    code = "gift_retired"
    default_detail = gettext_lazy("礼品已退市，不能收货入库")


class ReplenishmentAlreadyAnnounced(Conflict):
    code = "replenishment_already_announced"
    default_detail = gettext_lazy("该补货申请已有在途的入库预报")


class CostOnStatement(Conflict):
    """An extra cost voided that a statement already carries (correct it by an adjustment)."""

    code = "cost_on_statement"


class ParcelAlreadyClaimed(Conflict):
    """A parcel reported lost that already has a lost-parcel claim."""

    code = "parcel_already_claimed"


class LostParcelClaimNotRejectable(Conflict):
    """A lost parcel's claim rejected: its report failed the shipment and the order went on from there."""

    code = "lost_parcel_claim_not_rejectable"
    default_detail = gettext_lazy(
        "包裹丢失的索赔不能驳回：报告丢失时运单已判为配送失败，订单已据此放弃配送（退还积分）或重新配送，驳回无法撤回这些处理"
    )


class ClaimNotOpen(Conflict):
    """A lost-parcel report withdrawn once finance has accepted, settled or rejected its claim."""

    code = "claim_not_open"
    default_detail = gettext_lazy("索赔已不是待处理状态，不能撤回丢失报告")


class OrderMovedOn(Conflict):
    """A lost-parcel report withdrawn once the operator has given its order up (points refunded) or re-delivered it."""

    code = "order_moved_on"
    default_detail = gettext_lazy("订单已由运营放弃配送（积分已退还）或安排重新配送，不能撤回丢失报告")
