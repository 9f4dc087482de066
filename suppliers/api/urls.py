from rest_framework.routers import SimpleRouter

from suppliers.api import views

router = SimpleRouter()
router.register("suppliers", views.SupplierViewSet, basename="supplier")
router.register("supplier-applications", views.SupplierApplicationViewSet, basename="supplier-application")
router.register("gifts", views.GiftViewSet, basename="gift")
router.register("notices", views.NoticeViewSet, basename="notice")
urlpatterns = router.urls
