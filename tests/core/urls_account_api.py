"""A site serving only the account routes of the API, and its schema."""
from django.urls import include, path

from core.api.views import SchemaView

urlpatterns = [
    path("api/v1/", include("core.api.urls")),
    path("api/schema/", SchemaView.as_view(), name="schema"),
]
