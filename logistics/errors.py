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
