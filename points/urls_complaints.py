"""Portal pages of complaints and suggestions: members under /member/, the desk and complaints about a supplier under /complaints/, suggestions under /supplier/."""
from django.urls import path

from points import views_complaints as views
from points import views_complaints_export

urlpatterns = [
    path("member/complaints/", views.member_complaints, name="member-complaints"),
    path("member/complaints/new/", views.member_complaint_new, name="member-complaint-new"),
    path("complaints/", views.complaint_desk, name="complaint-desk"),
    path("complaints/export.<str:file_format>", views_complaints_export.complaint_desk_export, name="complaint-desk-export"),
    path("complaints/hotline/", views.hotline_complaint_new, name="complaint-hotline"),
    path("complaints/about-supplier/", views.supplier_complaint_new, name="complaint-about-supplier"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint"),
    path("complaints/<int:pk>/<slug:name>/", views.complaint_action, name="complaint-action"),
    path("supplier/suggestions/", views.supplier_suggestions, name="supplier-suggestions"),
]
