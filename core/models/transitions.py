"""The base of every workflow model and the log of every transition (who, when, from, to, why)."""
import threading
from functools import cache

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMFieldMixin


_refresh_lock = threading.RLock()


@cache
def _state_fields(model: type[models.Model]) -> tuple[FSMFieldMixin, ...]:
    return tuple(field for field in model._meta.fields if isinstance(field, FSMFieldMixin))


class StateMachine(ConcurrentTransitionMixin, models.Model):
    """A model whose `state` FSMField (protected=True) changes only through transitions.

    Saving checks that the state in the database is still the one loaded, so two
    concurrent transitions of the same row cannot both succeed.
    """

    class Meta:
        abstract = True

    @property
    def state_fields(self):
        # django-fsm filters every field of the model each time an instance is made; they are known per class
        return _state_fields(type(self))

    def refresh_from_db(self, *args, **kwargs):
        # django-fsm lifts the field's protection for the whole class while refreshing; serialise it across threads.
        with _refresh_lock:
            return super().refresh_from_db(*args, **kwargs)


class TransitionLog(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    transition = models.CharField(_("操作"), max_length=60)
    source_state = models.CharField(_("原状态"), max_length=40)
    target_state = models.CharField(_("新状态"), max_length=40)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("时间"))
    reason = models.TextField(_("原因"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"])]
        verbose_name = _("状态变更记录")
        verbose_name_plural = _("状态变更记录")

    def __str__(self) -> str:
        return f"{self.content_type.model}#{self.object_id} {self.source_state}→{self.target_state}"
