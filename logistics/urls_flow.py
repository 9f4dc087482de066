"""Portal pages of the goods flow (under /logistics/)."""
from django.urls import path

from logistics import views_flow as views
from logistics import views_exports, views_shipping

urlpatterns = [
    path("inbound/", views.inbound_list, name="logistics-inbound"),
    path("inbound/export.<str:file_format>", views_exports.inbound_export, name="logistics-inbound-export"),
    path("inbound/<int:pk>/", views.inbound_detail, name="logistics-inbound-detail"),
    path("inbound/<int:pk>/<slug:name>/", views.inbound_action, name="logistics-inbound-action"),
    path("announce/", views.supplier_inbound, name="supplier-inbound"),
    path("handoff/", views.handoff, name="logistics-handoff"),
    path("shipments/", views.shipment_list, name="logistics-shipments"),
    path("shipments/export.<str:file_format>", views_exports.shipment_export, name="logistics-shipments-export"),
    path("shipments/by-file/", views_shipping.bulk_ship, name="logistics-bulk-ship"),
    path("shipments/by-file/<int:pk>/", views_shipping.bulk_ship_upload, name="logistics-bulk-ship-upload"),
    path("shipments/by-file/template.<str:file_format>", views_shipping.bulk_ship_template, name="logistics-bulk-ship-template"),
    path("shipments/<int:pk>/", views.shipment_detail, name="logistics-shipment"),
    path("shipments/<int:pk>/<slug:name>/", views.shipment_action, name="logistics-shipment-action"),
    path("orders/", views.supplier_orders, name="supplier-orders"),
    path("orders/export.<str:file_format>", views_exports.supplier_order_export, name="supplier-orders-export"),
    path("dropship/", views.dropship_list, name="supplier-dropship"),
    path("my-shipments/", views.member_shipments, name="member-shipments"),
    path("my-shipments/<int:pk>/confirm-receipt/", views.member_confirm_receipt, name="member-shipment-confirm"),
]
