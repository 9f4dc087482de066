from django.urls import path

from suppliers import views_catalog_io

urlpatterns = [
    path("catalog/import/", views_catalog_io.catalog_import, name="supplier-catalog-import"),
    path("catalog/import/<int:pk>/", views_catalog_io.catalog_import_detail, name="supplier-catalog-import-detail"),
    path("catalog/export/<str:file_format>/", views_catalog_io.catalog_export, name="supplier-catalog-export"),
]
