from .claims import LogisticsClaim
from .costs import ExtraCost, Tariff, TariffChange
from .inbound import InboundShipment
from .leftovers import LeftoverLot
from .returns import ReturnEvidence, ReturnRequest
from .shipment_uploads import ShipmentUpload
from .shipments import CarrierEvent, HandoffBatch, HandoffItem, Shipment

__all__ = [
    "CarrierEvent", "ExtraCost", "HandoffBatch", "HandoffItem", "InboundShipment", "LeftoverLot", "LogisticsClaim", "ReturnEvidence", "ReturnRequest",
    "Shipment", "ShipmentUpload", "Tariff", "TariffChange",
]
