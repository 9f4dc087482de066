from rest_framework.routers import SimpleRouter

from suppliers.api import profile

router = SimpleRouter()
router.register("contracts", profile.ContractViewSet, basename="contract")
router.register("qualifications", profile.QualificationViewSet, basename="qualification")
router.register("profile-changes", profile.ProfileChangeViewSet, basename="profile-change")
router.register("bank-accounts", profile.BankAccountViewSet, basename="bank-account")
urlpatterns = router.urls
