from django.urls import path

from logistics import views_leftovers as views

urlpatterns = [
    path("leftovers/", views.leftover_list, name="leftover-lots"),
    path("leftovers/<int:pk>/", views.leftover_detail, name="leftover-lot"),
    path("leftovers/<int:pk>/<str:name>/", views.leftover_action, name="leftover-lot-action"),
]
