from rest_framework.routers import SimpleRouter

from suppliers.api import announcements, team, views

router = SimpleRouter()
router.register("suppliers", views.SupplierViewSet, basename="supplier")
router.register("supplier-applications", views.SupplierApplicationViewSet, basename="supplier-application")
router.register("gifts", views.GiftViewSet, basename="gift")
router.register("gift-revisions", views.GiftRevisionViewSet, basename="gift-revision")
router.register("categories", views.CategoryViewSet, basename="category")
router.register("locations", views.LocationViewSet, basename="location")
router.register("stock", views.StockRecordViewSet, basename="stock")
router.register("safety-stock-changes", views.SafetyStockChangeViewSet, basename="safety-stock-change")
router.register("stock-movements", views.StockMovementViewSet, basename="stock-movement")
router.register("replenishment-requests", views.ReplenishmentRequestViewSet, basename="replenishment-request")
router.register("notices", views.NoticeViewSet, basename="notice")
router.register("announcements", announcements.AnnouncementViewSet, basename="announcement")
router.register("announcement-deliveries", announcements.AnnouncementDeliveryViewSet, basename="announcement-delivery")
router.register("team-members", team.TeamMemberViewSet, basename="team-member")
urlpatterns = router.urls
