from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularSwaggerView

from core.api.views import SchemaView

# The member API first: Django tries patterns in order, and redemption is the busiest route.
api_v1 = [
    path("", include("points.api.urls")),
    path("", include("core.api.urls")),
    path("", include("suppliers.api.urls")),
    path("", include("suppliers.api.urls_profile")),
    path("", include("suppliers.api.urls_catalog_io")),
    path("", include("logistics.api.urls_flow")),
    path("", include("logistics.api.urls_provider")),
    path("", include("logistics.api.urls_returns")),
    path("", include("logistics.api.urls_leftovers")),
    path("", include("settlement.api.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    # browsers ask for /favicon.ico on pages without an icon of their own (a PDF, a file download)
    path("favicon.ico", RedirectView.as_view(url=static("core/favicon.svg"), permanent=True)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("", include("core.urls")),
    path("supplier/", include("suppliers.urls")),
    path("supplier/", include("suppliers.urls_profile")),
    path("supplier/", include("suppliers.urls_catalog")),
    path("supplier/", include("suppliers.urls_catalog_io")),
    path("supplier/", include("suppliers.urls_announcements")),
    path("member/", include("points.urls")),
    path("", include("points.urls_complaints")),  # /member/complaints/, /complaints/, /supplier/suggestions/
    path("logistics/", include("logistics.urls_flow")),
    path("logistics/", include("logistics.urls_provider")),
    path("logistics/", include("logistics.urls_returns")),
    path("logistics/", include("logistics.urls_leftovers")),
    path("logistics/", include("logistics.urls_goods_back")),
    path("settlement/", include("settlement.urls")),
    path("settlement/", include("settlement.urls_cases")),
    path("settlement/", include("settlement.urls_assessment")),
]
