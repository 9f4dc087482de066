"""Fields a stored record keeps because other rows rest on them: its model names them and says when and why they are
fixed; every save keeps to it, the admin shows them read only by the same rule."""
from django.core.exceptions import ValidationError
from django.db import models

from core.errors import ValidationFailed


class FixedFields(models.Model):
    """`fixed_fields` may not change once `is_fixed()` (by default: once stored); `fixed_message` (lazy) is the refusal."""

    fixed_fields: tuple[str, ...] = ()
    fixed_message = ""

    class Meta:
        abstract = True

    def is_fixed(self) -> bool:
        return not self._state.adding

    def refuse_fixed_changes(self, *, update_fields=None) -> None:
        """:raises ValidationFailed: naming the first fixed field whose value differs from the stored row's"""
        if self._state.adding or self.pk is None:
            return
        fields = [self._meta.get_field(name) for name in self.fixed_fields]
        if update_fields is not None:
            written = {self._meta.get_field(name).name for name in update_fields}
            fields = [field for field in fields if field.name in written]
        stored = type(self)._base_manager.using(self._state.db).filter(pk=self.pk).values_list(*(field.attname for field in fields)).first() if fields else None
        changed = [field for field, value in zip(fields, stored or ()) if value != getattr(self, field.attname)]
        if changed and self.is_fixed():
            raise ValidationFailed(str(self.fixed_message), field=changed[0].name)

    def clean(self) -> None:
        super().clean()
        try:
            self.refuse_fixed_changes()
        except ValidationFailed as error:
            raise ValidationError({error.field: error.detail}) from error

    def save(self, *args, **kwargs) -> None:
        self.refuse_fixed_changes(update_fields=kwargs.get("update_fields"))
        super().save(*args, **kwargs)
