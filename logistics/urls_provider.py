from django.urls import path

from logistics import views_exports, views_provider as views

urlpatterns = [
    path("carrier-events/", views.carrier_event_list, name="logistics-carrier-events"),
    path("carrier-events/export.<str:file_format>", views_exports.carrier_event_export, name="logistics-carrier-events-export"),
    path("carrier-events/report/", views.carrier_event_report, name="logistics-carrier-event-report"),
    path("tariffs/", views.tariffs, name="logistics-tariffs"),
    path("tariffs/<slug:kind>/", views.tariff_update, name="logistics-tariff-update"),
]
