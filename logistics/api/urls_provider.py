from django.urls import path
from rest_framework.routers import SimpleRouter

from logistics.api import provider

router = SimpleRouter()
router.register("provider/events", provider.CarrierEventViewSet, basename="provider-event")
router.register("tariff-changes", provider.TariffChangeViewSet, basename="tariff-change")
urlpatterns = [
    path("provider/webhook/", provider.ProviderWebhookView.as_view(), name="provider-webhook"),
    *router.urls,
]
