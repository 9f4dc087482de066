from django.urls import path

from suppliers import views_profile as views

urlpatterns = [
    path("profile/", views.supplier_profile, name="supplier-profile"),
    path("profile/changes/<int:pk>/withdraw/", views.profile_change_withdraw, name="supplier-profile-change-withdraw"),
    path("paperwork/", views.supplier_paperwork, name="supplier-paperwork"),
    path("contracts/review/", views.contract_list, name="operator-contracts"),
    path("contracts/review/<int:pk>/", views.contract_detail, name="operator-contract-detail"),
    path("contracts/review/<int:pk>/<str:name>/", views.contract_transition, name="operator-contract-transition"),
    path("profile-changes/review/", views.profile_change_list, name="operator-profile-changes"),
    path("profile-changes/review/<int:pk>/", views.profile_change_detail, name="operator-profile-change-detail"),
    path(
        "profile-changes/review/<int:pk>/<str:name>/", views.profile_change_transition, name="operator-profile-change-transition"
    ),
    path("qualifications/review/", views.qualification_list, name="operator-qualifications"),
    path("qualifications/review/<int:pk>/", views.qualification_detail, name="operator-qualification-detail"),
    path("qualifications/review/<int:pk>/<str:name>/", views.qualification_transition, name="operator-qualification-transition"),
    path("files/contracts/<int:pk>/", views.contract_file, name="supplier-contract-file"),
    path("files/qualifications/<int:pk>/", views.qualification_file, name="supplier-qualification-file"),
    path("files/profile-changes/<int:pk>/", views.profile_change_evidence, name="supplier-profile-change-evidence"),
]
