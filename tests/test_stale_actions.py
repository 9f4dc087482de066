"""A step on an object another user has moved on meanwhile is a 409 saying the object's state, whatever the form or body
sent holds; in a state the step starts from, the same bad form or body is still a 400 naming its field. Nothing is
written either way.

The objects are the access matrix's world; each test puts its object in the state under test as another user's step
would have left it (a row update: what matters here is the state the request finds) and rolls back after it.
"""
from dataclasses import dataclass

import pytest
from django import forms
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from core.models import TransitionLog
from tests.conftest import client_for
from tests.helpers import fresh_key

pytestmark = pytest.mark.xdist_group("bad_input")  # one worker builds the matrix's world once (see test_bad_input)
TOO_LONG = "长" * 2001


@dataclass(frozen=True)
class Step:
    obj: str  # the world's object (or a user's, see object_of)
    role: str
    path: str  # with {pk}
    allowed: str  # a state the step starts from
    moved_on: str  # the state another user's step left the object in, which the step does not start from
    bad: dict  # a form or body refused in the allowed state
    field: str  # the field that refusal names

    @property
    def id(self) -> str:
        return f"{self.path} {self.moved_on}"


PAGES = [
    Step("gift", "operator", "/supplier/gifts/{pk}/actions/reject/", "submitted", "approved", {"reason": ""}, "reason"),
    Step("supplier", "operator", "/supplier/review/{pk}/reject/", "under_review", "rejected", {"reason": TOO_LONG}, "reason"),
    Step("order", "operator", "/member/order-admin/{pk}/cancel_before_picking/", "handed_over", "cancelled", {"reason": ""}, "reason"),
    Step("inbound", "logistics", "/logistics/inbound/{pk}/receive/", "announced", "cancelled", {}, "counted_quantity"),
    Step("shipment", "logistics", "/logistics/shipments/{pk}/ship/", "picked", "shipped", {"carrier": "顺丰"}, "tracking_number"),
    Step("return", "logistics", "/logistics/returns/{pk}/inspect/", "received", "refunded", {"outcome": "bogus"}, "outcome"),
    Step("claim", "finance", "/logistics/claims/{pk}/settle/", "accepted", "settled", {"received_amount": "1.00"}, "settlement_reference"),
    Step("extra_cost", "logistics", "/logistics/extra-costs/{pk}/void/", "recorded", "voided", {}, "reason"),
    Step("leftover_lot", "logistics", "/logistics/leftovers/{pk}/collect/", "open", "collected", {"reason": TOO_LONG}, "reason"),
    Step("goods_back", "logistics", "/logistics/goods-back/{pk}/send/", "awaiting", "dispatched", {"method": "carrier"}, "carrier"),
    Step("statement", "supplier_admin", "/settlement/statements/{pk}/dispute/", "issued", "confirmed", {}, "reason"),
    Step("case", "supplier_admin", "/settlement/cases/{pk}/answer/", "open", "answered", {}, "answer"),
    Step("membership", "supplier_admin", "/supplier/team/{pk}/disable/", "active", "disabled", {"reason": ""}, "reason"),
]
# pages whose small forms, when bad, are sent back to the page they came from (302, the errors kept for its next showing:
# core.pages.send_back) rather than rendered again with a 400; a stale step on them is still a 409 like the others
SENT_BACK_PAGES = [
    Step("complaint", "member", "/complaints/{pk}/resolve/", "responded", "resolved", {"reason": TOO_LONG}, "reason"),
    Step("adjustment", "finance", "/settlement/adjustments/{pk}/reject/", "proposed", "approved", {"note": TOO_LONG}, "note"),
]
STALE_PAGES = PAGES + SENT_BACK_PAGES

API = [
    Step("gift", "operator", "/api/v1/gifts/{pk}/reject/", "submitted", "approved", {"reason": TOO_LONG}, "reason"),
    Step("supplier", "operator", "/api/v1/suppliers/{pk}/reject/", "under_review", "rejected", {"reason": TOO_LONG}, "reason"),
    Step("order", "operator", "/api/v1/orders/{pk}/redeliver/", "delivery_failed", "delivered", {"address": "长" * 301}, "address"),
    Step("inbound", "logistics", "/api/v1/inbound-shipments/{pk}/receive/", "announced", "cancelled", {}, "counted_quantity"),
    Step("shipment", "logistics", "/api/v1/shipments/{pk}/ship/", "picked", "shipped", {"carrier": "顺丰"}, "tracking_number"),
    Step("return", "logistics", "/api/v1/returns/{pk}/inspect/", "received", "refunded", {"outcome": "bogus"}, "outcome"),
    Step("claim", "finance", "/api/v1/logistics-claims/{pk}/settle/", "accepted", "settled", {}, "settlement_reference"),
    Step("leftover_lot", "logistics", "/api/v1/leftover-lots/{pk}/dispose/", "open", "collected", {}, "reason"),
    Step("goods_back", "logistics", "/api/v1/goods-back/{pk}/send/", "awaiting", "dispatched", {"method": "carrier"}, "carrier"),
    Step("statement", "finance", "/api/v1/statements/{pk}/pay/", "approved", "paid", {}, "payment_reference"),
    Step("adjustment", "finance", "/api/v1/adjustments/{pk}/reject/", "proposed", "approved", {"note": TOO_LONG}, "note"),
    Step("penalty_proposal", "finance", "/api/v1/penalty-proposals/{pk}/dismiss/", "proposed", "accepted", {}, "reason"),
    Step("complaint", "member", "/api/v1/complaints/{pk}/resolve/", "responded", "resolved", {"reason": TOO_LONG}, "reason"),
    Step("case", "supplier_admin", "/api/v1/rectification-cases/{pk}/answer/", "open", "answered", {}, "answer"),
]


def object_of(world, step: Step):
    users, objects = world
    return users["supplier_staff"].supplier_membership if step.obj == "membership" else objects[step.obj]


def in_state(obj, state: str):
    """`obj` with its row in `state`, as another user's step would have left it."""
    type(obj)._base_manager.filter(pk=obj.pk).update(state=state)
    obj.refresh_from_db()
    return obj


def state_label(obj, state: str) -> str:
    return str(dict(obj._meta.get_field("state").flatchoices)[state])


def logs_of(obj) -> int:
    return TransitionLog.objects.filter(object_id=obj.pk, content_type__model=obj._meta.model_name).count()


def page_post(world, step: Step, obj, body: dict):
    client = Client()
    client.force_login(world[0][step.role])
    return client.post(step.path.format(pk=obj.pk), body)


def api_post(world, step: Step, obj, body: dict):
    return client_for(world[0][step.role]).post(step.path.format(pk=obj.pk), body, format="json", **fresh_key())


def refused_fields(response) -> set[str]:
    """The fields named by the errors of every bound form the page shows."""
    found: set[str] = set()

    def walk(value, depth=0):
        if isinstance(value, forms.BaseForm):
            found.update(value.errors if value.is_bound else ())
        elif isinstance(value, dict) and depth < 3:
            for item in value.values():
                walk(item, depth + 1)
        elif isinstance(value, list | tuple) and depth < 3:
            for item in value:
                walk(item, depth + 1)

    for context in response.context:
        for value in context.flatten().values():
            walk(value)
    return found


@pytest.mark.parametrize("step", STALE_PAGES, ids=[step.id for step in STALE_PAGES])
def test_a_page_step_on_an_object_moved_on_is_a_409_saying_its_state_whatever_the_form_held(matrix_world, db, step):
    obj = in_state(object_of(matrix_world, step), step.moved_on)
    logged = logs_of(obj)

    response = page_post(matrix_world, step, obj, step.bad)

    said = [str(message) for message in response.context["messages"]]
    assert response.status_code == 409
    assert len(said) == 1 and state_label(obj, step.moved_on) in said[0], said
    obj.refresh_from_db()
    assert obj.state == step.moved_on and logs_of(obj) == logged


@pytest.mark.parametrize("step", PAGES, ids=[step.id for step in PAGES])
def test_a_page_step_the_state_allows_with_a_bad_form_is_still_a_400_naming_the_field(matrix_world, db, step):
    obj = in_state(object_of(matrix_world, step), step.allowed)
    logged = logs_of(obj)

    response = page_post(matrix_world, step, obj, step.bad)

    assert response.status_code == 400
    assert step.field in refused_fields(response)
    obj.refresh_from_db()
    assert obj.state == step.allowed and logs_of(obj) == logged


@pytest.mark.parametrize("step", API, ids=[step.id for step in API])
def test_an_api_step_on_an_object_moved_on_is_a_409_saying_its_state_whatever_the_body_held(matrix_world, db, step):
    obj = in_state(object_of(matrix_world, step), step.moved_on)
    logged = logs_of(obj)

    response = api_post(matrix_world, step, obj, step.bad)

    errors = response.json()["errors"]
    assert response.status_code == 409
    assert [error["code"] for error in errors] == ["invalid_transition"]
    assert state_label(obj, step.moved_on) in errors[0]["detail"]
    obj.refresh_from_db()
    assert obj.state == step.moved_on and logs_of(obj) == logged


@pytest.mark.parametrize("step", API, ids=[step.id for step in API])
def test_an_api_step_the_state_allows_with_a_bad_body_is_still_a_400_naming_the_field(matrix_world, db, step):
    obj = in_state(object_of(matrix_world, step), step.allowed)
    logged = logs_of(obj)

    response = api_post(matrix_world, step, obj, step.bad)

    assert response.status_code == 400
    assert step.field in {error["attr"] for error in response.json()["errors"]}
    obj.refresh_from_db()
    assert obj.state == step.allowed and logs_of(obj) == logged


def api_actions():
    """(route, viewset, action name, transition) of every API step built by transition_action."""
    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and getattr(pattern.callback, "actions", None):  # a viewset's route
                yield pattern, pattern.callback.cls, pattern.callback.actions

    seen = set()
    for pattern, viewset, actions in walk(get_resolver().url_patterns):
        for method in actions.values():
            handler = getattr(viewset, method, None)
            if hasattr(handler, "transition") and (viewset, method) not in seen:
                seen.add((viewset, method))
                yield str(pattern.pattern), viewset, method, handler.transition


def model_of(viewset, method: str):
    """The model a viewset's action answers with (its serializer may depend on the action)."""
    view = viewset(action=method, request=None, format_kwarg=None)
    return view.get_serializer_class().Meta.model


def test_every_api_step_names_a_transition_of_its_objects_or_none():
    from django_fsm import FSMFieldMixin

    unknown = []
    for route, viewset, method, transition in api_actions():
        model = model_of(viewset, method)
        field = next(f for f in model._meta.fields if isinstance(f, FSMFieldMixin)) if transition else None
        if transition and transition not in {t.name for t in field.get_all_transitions(model)}:
            unknown.append((route, method, transition))

    assert unknown == []
