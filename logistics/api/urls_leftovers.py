from rest_framework.routers import SimpleRouter

from logistics.api.leftovers import LeftoverLotViewSet

router = SimpleRouter()
router.register("leftover-lots", LeftoverLotViewSet, basename="leftover-lot")
urlpatterns = router.urls
