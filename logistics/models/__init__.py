from .claims import LogisticsClaim
from .costs import ExtraCost, Tariff, TariffChange
from .goods_back import GoodsBack
from .inbound import InboundShipment
from .leftovers import LeftoverLot
from .returns import ReturnEvidence, ReturnRequest
from .shipment_uploads import ShipmentUpload
from .shipments import CarrierEvent, HandoffBatch, HandoffItem, Shipment

__all__ = [
    "CarrierEvent", "ExtraCost", "GoodsBack", "HandoffBatch", "HandoffItem", "InboundShipment", "LeftoverLot", "LogisticsClaim", "ReturnEvidence", "ReturnRequest",
    "Shipment", "ShipmentUpload", "Tariff", "TariffChange",
]
