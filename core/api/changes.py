"""The list of a setting's changes (`core.models.SettingChange`): newest first, filtered by its query."""
from rest_framework import mixins, serializers, viewsets

from core.api.filters import read_query


class ChangesViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """A list of the changes of settings, newest first, filtered by its `query` (a 400 naming a bad filter), read
    through `changes` (the service, which checks the reader's role)."""

    query: type[serializers.Serializer]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.serializer_class.Meta.model.objects.none()
        return self.changes(**read_query(self.query, self.request))

    def changes(self, **query):
        raise NotImplementedError
