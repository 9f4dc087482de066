from django.urls import path
from rest_framework.routers import SimpleRouter

from points.api import complaints, credit_files, views

router = SimpleRouter()
router.register("catalog", views.CatalogViewSet, basename="catalog")
router.register("orders", views.OrderViewSet, basename="order")
router.register("points/entries", views.LedgerEntryViewSet, basename="ledger-entry")
router.register("points/credit-files", credit_files.CreditUploadViewSet, basename="credit-file")
router.register("members", views.MemberViewSet, basename="member")
router.register("complaints", complaints.ComplaintViewSet, basename="complaint")
urlpatterns = [
    path("points/balance/", views.BalanceView.as_view(), name="points-balance"),
    path("points/credits/", views.BulkCreditView.as_view(), name="points-credits"),
    path("member/profile/", views.MemberProfileView.as_view(), name="member-profile"),
    path("member/messages/", views.MemberMessagesView.as_view(), name="member-own-messages"),
    *router.urls,
]
