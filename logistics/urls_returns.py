"""Portal pages of returns and exchanges, extra costs, tariffs and logistics claims (under /logistics/)."""
from django.urls import path

from logistics import views_exports, views_returns as views

urlpatterns = [
    path("my-returns/", views.member_returns, name="member-returns"),
    path("my-returns/new/<int:order_pk>/", views.member_return_request, name="member-return-request"),
    path("returns/", views.return_list, name="logistics-returns"),
    path("returns/export.<str:file_format>", views_exports.return_export, name="logistics-returns-export"),
    path("returns/<int:pk>/", views.return_detail, name="logistics-return"),
    path("returns/evidence/<int:pk>/", views.return_evidence_file, name="logistics-return-evidence"),
    path("returns/<int:pk>/<slug:name>/", views.return_action, name="logistics-return-action"),
    path("extra-costs/", views.extra_costs, name="logistics-extra-costs"),
    path("extra-costs/export.<str:file_format>", views_exports.extra_cost_export, name="logistics-extra-costs-export"),
    path("extra-costs/new/", views.extra_cost_create, name="logistics-extra-cost-create"),
    path("extra-costs/<int:pk>/", views.extra_cost_detail, name="logistics-extra-cost"),
    path("extra-costs/<int:pk>/void/", views.extra_cost_void, name="logistics-extra-cost-void"),
    path("claims/", views.claim_list, name="logistics-claims"),
    path("claims/export.<str:file_format>", views_exports.claim_export, name="logistics-claims-export"),
    path("claims/lost-parcel/", views.lost_parcel, name="logistics-lost-parcel"),
    path("claims/<int:pk>/", views.claim_detail, name="logistics-claim"),
    path("claims/<int:pk>/<slug:name>/", views.claim_action, name="logistics-claim-action"),
]
