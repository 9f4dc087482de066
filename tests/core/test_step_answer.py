"""A step's answer is the object as its GET gives it, read with the view's action "retrieve"; a step that moved the
object out of the caller's sight, or whose reading again fails, is answered as the step's serializer gives it: a step
taken is never answered as an error."""
import logging
from types import SimpleNamespace

import pytest
from django.http import Http404
from rest_framework.response import Response

from core.api.transitions import step_answer

pytestmark = pytest.mark.django_db


class Thing(SimpleNamespace):
    pass


class View:
    """A viewset whose `retrieve` answers as its `action` chooses, or fails as told."""

    def __init__(self, fails: Exception | None = None):
        self.action, self.fails, self.read_as = "accept", fails, None

    def retrieve(self, request, pk=None):
        self.read_as = self.action
        if self.fails:
            raise self.fails
        return Response({"id": pk, "as": "retrieve"})

    def get_serializer(self, instance):
        return SimpleNamespace(data={"id": instance.pk, "as": "step"})


def test_the_answer_is_read_as_retrieve_and_the_step_s_action_restored():
    view = View()

    answer = step_answer(view, None, Thing(pk=7), Thing(pk=7))

    assert (answer.data, view.read_as, view.action) == ({"id": 7, "as": "retrieve"}, "retrieve", "accept")


def test_a_step_that_moved_the_object_out_of_the_caller_s_sight_answers_as_the_step_s_serializer():
    view = View(fails=Http404())

    answer = step_answer(view, None, Thing(pk=7), Thing(pk=7))

    assert (answer.status_code, answer.data, view.action) == (200, {"id": 7, "as": "step"}, "accept")


def test_a_failing_read_after_the_step_is_logged_and_answered_as_the_step_s_serializer(caplog):
    view = View(fails=KeyError("contact"))

    with caplog.at_level(logging.WARNING, logger="core.api.transitions"):
        answer = step_answer(view, None, Thing(pk=7), Thing(pk=7))

    assert (answer.status_code, answer.data, view.action) == (200, {"id": 7, "as": "step"}, "accept")
    assert "failed after the step was taken" in caplog.text
