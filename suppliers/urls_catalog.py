"""Portal pages of the gift catalog and the supplier's stock (under /supplier/)."""
from django.urls import path

from suppliers import views_catalog as views
from suppliers import views_categories, views_exports, views_replenishments, views_stock

urlpatterns = [
    path("gifts/", views.gift_list, name="supplier-gifts"),
    path("gifts/new/", views.gift_create, name="supplier-gift-create"),
    path("gifts/<int:pk>/", views.gift_detail, name="gift-detail"),
    path("gifts/<int:pk>/edit/", views.gift_edit, name="supplier-gift-edit"),
    path("gifts/<int:pk>/images/<int:index>/", views.gift_image, name="supplier-gift-image"),
    path("gifts/<int:pk>/actions/<slug:name>/", views.gift_action, name="gift-action"),
    path("stock/", views_stock.stock, name="supplier-stock"),
    path("stock/export.<str:file_format>", views_exports.stock_export, name="supplier-stock-export"),
    path("stock/movements/", views_stock.stock_movements, name="supplier-stock-movements"),
    path("stock/movements/export.<str:file_format>", views_exports.movement_export, name="supplier-stock-movements-export"),
    path("stock/replenishments/", views_replenishments.replenishment_list, name="supplier-replenishments"),
    path("stock/replenishments/<int:pk>/", views_replenishments.replenishment_detail, name="supplier-replenishment-detail"),
    path("stock/own/<int:pk>/", views_stock.stock_count, name="supplier-stock-count"),
    path("stock/own/<int:pk>/safety-stock/", views_stock.own_safety_stock, name="supplier-own-safety-stock"),
    path("stock/<int:pk>/safety-stock/", views_stock.safety_stock, name="stock-safety-stock"),
    path("stock/<int:pk>/count/", views_stock.warehouse_count, name="stock-warehouse-count"),
    path("gift-review/", views.review_queue, name="operator-gift-review"),
    path("gift-review/gifts/<int:pk>/<slug:name>/", views.review_decision, name="operator-gift-decision"),
    path("gift-review/revisions/<int:pk>/images/<int:index>/", views.revision_image, name="revision-image"),
    path("gift-review/revisions/<int:pk>/<slug:name>/", views.revision_action, name="operator-revision-action"),
    path("gift-admin/", views.gift_admin, name="operator-gifts"),
    path("categories/", views_categories.category_list, name="operator-categories"),
    path("categories/<int:pk>/", views_categories.category_edit, name="operator-category-edit"),
]
