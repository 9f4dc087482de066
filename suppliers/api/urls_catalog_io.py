from django.urls import path

from suppliers.api import catalog_io

urlpatterns = [
    path("gift-imports/", catalog_io.GiftImportView.as_view(), name="gift-import"),
    path("gift-export/", catalog_io.GiftExportView.as_view(), name="gift-export"),
]
