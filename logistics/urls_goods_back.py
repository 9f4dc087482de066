"""Portal pages of defective units going back to their supplier (under /logistics/)."""
from django.urls import path

from logistics import views_goods_back as views

urlpatterns = [
    path("goods-back/", views.goods_back_list, name="logistics-goods-back"),
    path("goods-back/<int:pk>/", views.goods_back_detail, name="logistics-goods-back-item"),
    path("goods-back/<int:pk>/<slug:name>/", views.goods_back_action, name="logistics-goods-back-action"),
]
