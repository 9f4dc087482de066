"""A workflow step's object (core.api.transitions): found as the view's `get_object` finds it, the rows only its answer
shows read once the step is judged."""
import pytest
from django.http import Http404
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.test import APIRequestFactory, force_authenticate

from core.api.transitions import _object_and_its_prefetches
from suppliers.api.views import GiftViewSet
from tests.factories import GiftFactory

pytestmark = pytest.mark.django_db


def gift_view(user, pk, viewset=GiftViewSet):
    request = APIRequestFactory().post(f"/api/v1/gifts/{pk}/submit/")
    force_authenticate(request, user)
    view = viewset(action="submit", action_map={"post": "submit"}, kwargs={"pk": pk}, format_kwarg=None)
    view.request = view.initialize_request(request)
    view.request.user = user
    return view


def test_the_steps_object_comes_without_the_rows_its_answer_shows_and_with_what_to_read_for_them(supplier_admin, supplier):
    gift = GiftFactory(supplier=supplier)

    found, prefetches = _object_and_its_prefetches(gift_view(supplier_admin, gift.pk))

    assert found == gift and prefetches == ("prices__program",)
    assert not getattr(found, "_prefetched_objects_cache", {})


def test_another_suppliers_gift_is_not_found_for_a_step(supplier_admin, other_supplier):
    gift = GiftFactory(supplier=other_supplier)

    with pytest.raises(Http404):
        _object_and_its_prefetches(gift_view(supplier_admin, gift.pk))


def test_a_view_finding_its_object_its_own_way_is_left_to_it(supplier_admin, supplier):
    gift, other = GiftFactory(supplier=supplier), GiftFactory(supplier=supplier)

    class OwnLookup(GiftViewSet):
        def get_object(self):
            return other

    assert _object_and_its_prefetches(gift_view(supplier_admin, gift.pk, OwnLookup)) == (other, ())


def test_a_step_on_an_object_its_views_permissions_refuse_is_refused(supplier_admin, supplier):
    gift = GiftFactory(supplier=supplier)

    class NotThisOne(BasePermission):
        def has_object_permission(self, request, view, obj):
            return False

    class Guarded(GiftViewSet):
        permission_classes = [*GiftViewSet.permission_classes, NotThisOne]

    with pytest.raises(PermissionDenied):
        _object_and_its_prefetches(gift_view(supplier_admin, gift.pk, Guarded))
