"""API routes of the goods flow: inbound shipments, handoff batches, shipments (under /api/v1/)."""
from rest_framework.routers import SimpleRouter

from logistics.api import flow

router = SimpleRouter()
router.register("inbound-shipments", flow.InboundShipmentViewSet, basename="inbound-shipment")
router.register("handoff-batches", flow.HandoffBatchViewSet, basename="handoff-batch")
router.register("shipments", flow.ShipmentViewSet, basename="shipment")
urlpatterns = router.urls
