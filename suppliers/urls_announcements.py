"""Portal pages of announcements (under /supplier/): the supplier's inbox and the operator's publishing."""
from django.urls import path

from suppliers import views_announcements as views

urlpatterns = [
    path("announcements/", views.supplier_list, name="supplier-announcements"),
    path("announcements/<int:pk>/", views.supplier_detail, name="supplier-announcement-detail"),
    path("announcements/<int:pk>/acknowledge/", views.supplier_acknowledge, name="supplier-announcement-acknowledge"),
    path("announcements/manage/", views.operator_list, name="operator-announcements"),
    path("announcements/manage/new/", views.operator_create, name="operator-announcement-new"),
    path("announcements/manage/<int:pk>/", views.operator_detail, name="operator-announcement-detail"),
]
