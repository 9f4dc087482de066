"""API routes of the goods flow: inbound shipments, handoff batches, shipments, shipping by file (under /api/v1/)."""
from django.urls import path
from rest_framework.routers import SimpleRouter

from logistics.api import flow, shipping_files

router = SimpleRouter()
router.register("inbound-shipments", flow.InboundShipmentViewSet, basename="inbound-shipment")
router.register("handoff-batches", flow.HandoffBatchViewSet, basename="handoff-batch")
router.register("shipments", flow.ShipmentViewSet, basename="shipment")
router.register("shipment-uploads", shipping_files.ShipmentUploadViewSet, basename="shipment-upload")
urlpatterns = [
    path("shipment-upload-template/", shipping_files.ShippingTemplateView.as_view(), name="shipment-upload-template"),
    *router.urls,
]
