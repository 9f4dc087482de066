"""Workflow transitions as API actions: POST /api/v1/<collection>/<id>/<transition>/.

The object is looked up through the viewset's scoped queryset (another tenant's row: 404),
then the role is checked (403), then whether the object's state still allows the transition (409
invalid_transition, whatever the input: the object moved on meanwhile) and, when the body sends `seen` (the `id` of
the latest history row the client read), that the object has not changed since (409 changed_since_seen, naming the
change, also when it has moved on: core.fsm.require_step), then the input validated (400), and one
service call made, which judges the transition's conditions and checks the state again under its lock.
"""
import logging
from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api.fields import RequiredText
from core.api.permissions import require_role
from core.fsm import history_of, require_step
from core.models import TransitionLog
from core.models.transitions import actor_label_for

logger = logging.getLogger(__name__)


class ReasonInput(serializers.Serializer):
    """A step whose reason is optional (kept in the history when given)."""

    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class RequiredReasonInput(serializers.Serializer):
    """A step that needs a reason: without one (or with one empty or only spaces) it is a 400 `required` naming `reason`."""

    reason = RequiredText(max_length=2000)


class TransitionLogSerializer(serializers.ModelSerializer):
    """One change (`id`: what a step's `seen` names, see transition_action): the codes, their display names in the
    request's language, and who made it (`actor`: a user name, a member's masked phone, or null for the system; to a
    supplier's user or a member the platform's staff are their role, e.g. 运营人员, and to a member a supplier's users
    are 礼品商)."""

    actor = serializers.SerializerMethodField()
    actor_label = serializers.SerializerMethodField()
    transition_label = serializers.CharField(read_only=True)
    source_label = serializers.CharField(read_only=True)
    target_label = serializers.CharField(read_only=True)
    reason = serializers.CharField(source="reason_text", read_only=True, help_text="the reason as written (Chinese), with its values")
    reason_label = serializers.CharField(read_only=True, help_text="the reason in the request's language where the system wrote it")

    class Meta:
        model = TransitionLog
        fields = ["id", "transition", "transition_label", "source_state", "source_label", "target_state", "target_label", "actor",
                  "actor_label", "at", "reason", "reason_label"]

    def get_actor(self, log) -> str | None:
        return None if log.actor is None else self.get_actor_label(log)

    def get_actor_label(self, log) -> str:
        return actor_label_for(log.actor, getattr(self.context.get("request"), "user", None))


class RejectionFields(serializers.Serializer):
    """A request an operator may reject (a contract, a profile change, a gift revision): why it was rejected, as the
    history gives it (`reason` as written, `reason_label` in the request's language where the system wrote it); null
    unless rejected. Who rejected it and when: its `history/`."""

    rejection_reason = serializers.CharField(
        source="rejection.reason_text", default=None, allow_null=True, read_only=True,
        help_text="why the operator rejected it, as written (null unless rejected)",
    )
    rejection_reason_label = serializers.CharField(
        source="rejection.reason_label", default=None, allow_null=True, read_only=True,
        help_text="the same in the request's language where the system wrote it (a reason a person typed: as typed)",
    )


def transition_action(
    service: Callable,
    *,
    name: str,
    roles: Iterable[str],
    target: str,
    input_serializer: type[serializers.Serializer] = ReasonInput,
    transition: str | None = "",
    check: Callable | None = None,
) -> Callable:
    """Build a viewset action that calls `service(<target>=obj, actor=user, now=now, **validated input)`.

    `transition`: the FSM transition of the object the action is (by default its `name`; None for an action that is
    none, such as a reminder), whose source states are checked before the input (see core.fsm.require_step);
    `check(user, obj)`: raises PermissionDenied when the user may not take the step on this object beyond its role
    (a shipment driven by hand, a return of another kind), so that it is a 403 before the state is judged."""
    allowed = frozenset(roles)
    transition = name if transition == "" else transition

    def handler(self, request, pk=None):
        obj, prefetches = _object_and_its_prefetches(self)
        require_role(request.user, allowed)
        if check:
            check(request.user, obj)
        if transition:
            require_step(obj, transition, request.data.get("seen") if hasattr(request.data, "get") else None, reader=request.user)
        params = input_serializer(data=request.data, context=self.get_serializer_context())
        params.is_valid(raise_exception=True)
        prefetch_related_objects([obj], *prefetches)
        result = service(**{target: obj}, actor=request.user, now=timezone.now(), **params.validated_data)
        return step_answer(self, request, obj, result)

    handler.__name__ = name
    handler.__doc__ = (service.__doc__ or "").strip().splitlines()[0] if service.__doc__ else name
    handler.allowed_roles = allowed
    handler.transition = transition
    return extend_schema(request=input_serializer, summary=handler.__doc__)(
        action(detail=True, methods=["post"], url_path=name.replace("_", "-"))(handler)
    )


def step_answer(view, request, obj, result) -> Response:
    """A step's answer, the step taken (committed with the request or not, never undone by its answer): the object as
    the view's own `retrieve` gives it to the caller — the same fields, read again through the scoped queryset (its
    joins and annotations), masked or whole and the read logged alike; the view's `action` is "retrieve" meanwhile, as
    its serializer and queryset choose by it. A step that answers with another object, moved this one out of the
    caller's sight (a 404 on reading it again), or whose reading again fails otherwise (logged as a warning), is
    answered with what the service returned, as the step's own serializer (`get_serializer`) shows it."""
    if isinstance(result, type(obj)) and result.pk == obj.pk and hasattr(view, "retrieve"):
        action = getattr(view, "action", None)
        view.action = "retrieve"
        try:
            with transaction.atomic():  # a savepoint: a failed read leaves the step's transaction usable
                return view.retrieve(request, pk=obj.pk)
        except Http404:
            pass
        except Exception:
            logger.warning("the answer of step %s on %s %s failed after the step was taken: answered as the step's serializer "
                           "gives it", action, type(obj).__name__, obj.pk, exc_info=True)
        finally:
            view.action = action
    return Response(view.get_serializer(result).data)


def _object_and_its_prefetches(view) -> tuple:
    """The view's object as its `get_object` finds it (a 404 for one the caller may not see, its object permissions
    checked) but without the related rows its queryset prefetches for the answer, and those prefetches: made by the
    caller once the step is judged, so that a step refused (403, 409, 400) reads none of what only a success shows. A
    view finding its object its own way (its own `get_object`) is left to it, prefetches and all."""
    if type(view).get_object is not GenericAPIView.get_object:
        return view.get_object(), ()
    # DRF's get_object looks the object up in what filter_queryset gives it: for this one lookup, that comes without
    # its prefetches, which are kept for the caller
    filter_queryset, held_back = view.filter_queryset, ()

    def without_prefetches(queryset):
        nonlocal held_back
        queryset = filter_queryset(queryset)
        held_back = queryset._prefetch_related_lookups
        return queryset.prefetch_related(None)

    view.filter_queryset = without_prefetches
    try:
        obj = view.get_object()
    finally:
        del view.filter_queryset
    return obj, held_back


class TransitionHistoryMixin:
    """Adds GET /<collection>/<id>/history/: every transition of the object (who, when, from, to, why)."""

    @extend_schema(responses=TransitionLogSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)  # the whole history, as a plain list
    def history(self, request, pk=None):
        logs = self.transition_history(self.get_object())
        return Response(TransitionLogSerializer(logs, many=True, context=self.get_serializer_context()).data)

    def transition_history(self, obj):
        """The logs the history shows, oldest first: the object's own (a view may add those of objects that belong to it)."""
        return history_of(obj)
