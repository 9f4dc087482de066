"""The list of a setting's changes (`core.models.SettingChange`): newest first, filtered by its query."""
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from core.api.filters import query_names, read_query


class ChangesViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """A list of the changes of settings, newest first, filtered by its `query` (a 400 naming a bad filter), read
    through `changes` (the service, which checks the reader's role)."""

    query: type[serializers.Serializer]

    def __init_subclass__(cls, **kwargs) -> None:
        """A list's `query` is what it takes (`query_parameters`: any other parameter is a 400) and documents."""
        super().__init_subclass__(**kwargs)
        cls.query_parameters = query_names(cls.query)
        extend_schema_view(list=extend_schema(parameters=[cls.query]))(cls)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.serializer_class.Meta.model.objects.none()
        return self.changes(**read_query(self.query, self.request))

    def changes(self, **query):
        raise NotImplementedError
