"""Errors of the logistics app."""
from core.errors import Conflict, DomainError, NotFound, PermissionDenied


class UnknownShipment(NotFound):
    code = "unknown_shipment"
    default_detail = "未找到该运单号的运单 (no shipment has this tracking number)."


class BadSignature(PermissionDenied):
    code = "bad_signature"
    default_detail = "签名无效 (the signature does not match)."


class StaleRequest(DomainError):
    code = "stale_request"
    status = 401
    default_detail = "请求已过期（超过5分钟） (the request was signed more than 5 minutes ago)."


class ShipmentAlreadyPicked(Conflict):
    code = "shipment_already_picked"
    default_detail = "运单已拣货，不能取消 (the shipment has already been picked)."


class CarrierEventRejected(Conflict):
    code = "carrier_event_rejected"
    default_detail = "事件已记录，但运单无法执行该操作 (the event was recorded but the shipment cannot take it)."


class EventIdReused(DomainError):
    code = "event_id_reused"
    status = 422
    default_detail = "该事件编号已用于内容不同的事件 (this event id was already recorded with different content)."


class SequenceTaken(Conflict):
    code = "event_sequence_taken"
    default_detail = "该运单的此序号已有另一个事件 (another event already holds this sequence of the tracking number)."
