from django.urls import path

from suppliers import views

urlpatterns = [
    path("apply/", views.apply, name="supplier-apply"),
    path("notices/", views.notice_list, name="supplier-notices"),
    path("review/", views.supplier_list, name="operator-suppliers"),
    path("review/<int:pk>/", views.supplier_detail, name="operator-supplier-detail"),
    path("review/<int:pk>/<str:name>/", views.supplier_transition, name="operator-supplier-transition"),
]
