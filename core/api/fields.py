"""Serializer fields shared by the apps' APIs."""
from django.utils.translation import gettext
from rest_framework import serializers

from core.errors import NotFound


class ScopedKey(serializers.PrimaryKeyRelatedField):
    """An id of a row the caller may see. An id it may not see — another tenant's, or none at all — is a 404
    `not_found` naming the field, as the same id in a URL is: a body cannot tell whether another tenant's row exists.

    Pass the model, or override `get_queryset` to scope the rows another way.
    """

    def __init__(self, model=None, *, required: bool = False, **kwargs) -> None:
        kwargs.setdefault("allow_null", not required)
        super().__init__(queryset=model.objects.all() if model else None, required=required, **kwargs)

    def get_queryset(self):
        return self.queryset.visible_to(self.context["request"].user)

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            if error.get_codes() == ["does_not_exist"]:
                raise NotFound(gettext("对象不存在或无权查看"), field=self.field_name) from error
            raise
