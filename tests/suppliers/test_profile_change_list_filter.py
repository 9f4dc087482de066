"""The profile changes page lists the changes of the supplier a link names (`?supplier=`), which it used to ignore."""
import pytest

from suppliers.services import profile
from tests.portal import listed, logged_in

pytestmark = pytest.mark.django_db


def test_the_profile_changes_page_lists_only_the_changes_of_the_supplier_asked_for(operator, supplier, supplier_admin, other_supplier, now):
    change = profile.request_profile_change(supplier=supplier, actor=supplier_admin, now=now, field="address", address="杭州市西湖区龙井路 1 号")

    assert listed(operator, "/supplier/profile-changes/review/", supplier=supplier.pk) == [change.pk]
    assert listed(operator, "/supplier/profile-changes/review/", supplier=other_supplier.pk) == []
    assert listed(operator, "/supplier/profile-changes/review/") == [change.pk]


def test_a_supplier_that_is_no_id_is_named_and_lists_nothing(operator, supplier, supplier_admin, now):
    profile.request_profile_change(supplier=supplier, actor=supplier_admin, now=now, field="address", address="杭州市西湖区龙井路 1 号")

    response = logged_in(operator).get("/supplier/profile-changes/review/", {"supplier": "abc"})

    assert response.status_code == 400 and not response.context["page_obj"].object_list
