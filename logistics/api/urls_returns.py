"""API routes of returns and exchanges, extra costs, tariffs and logistics claims (included under /api/v1/)."""
from django.urls import re_path
from rest_framework.routers import SimpleRouter

from logistics.api import goods_back, returns as views

router = SimpleRouter()
router.register("returns", views.ReturnViewSet, basename="return")
router.register("extra-costs", views.ExtraCostViewSet, basename="extra-cost")
router.register("tariffs", views.TariffViewSet, basename="tariff")
router.register("logistics-claims", views.LogisticsClaimViewSet, basename="logistics-claim")
router.register("goods-back", goods_back.GoodsBackViewSet, basename="goods-back")
urlpatterns = [
    re_path(r"^orders/(?P<pk>[^/.]+)/returns/$", views.OrderReturnsView.as_view(), name="order-returns"),
    re_path(r"^return-evidence/(?P<pk>[^/.]+)/$", views.ReturnEvidenceFileView.as_view(), name="return-evidence-file"),
    *router.urls,
]
