"""Every portal list refuses a filter value it does not take, whatever the list: the value is named next to its filter,
the page answers 400 and lists nothing (core.forms.ListFilter). One request per list filter added with the shared
filters, each as the role that reads the list."""
import pytest
from django.urls import reverse

from core.roles import Role
from tests.factories import UserFactory
from tests.portal import field_errors, logged_in

CHOICE = "选择一个有效的选项。 bogus 不在可用的选项中。"
WORD = "须为 true 或 false"


@pytest.mark.parametrize(("role", "url_name", "query", "field", "message"), [
    (Role.OPERATOR, "operator-contracts", "state=bogus", "state", CHOICE),
    (Role.OPERATOR, "operator-qualifications", "state=bogus", "state", CHOICE),
    (Role.OPERATOR, "operator-qualifications", "expiry_status=bogus", "expiry_status", CHOICE),
    (Role.OPERATOR, "operator-profile-changes", "state=bogus", "state", CHOICE),
    (Role.OPERATOR, "operator-suppliers", "state=bogus", "state", CHOICE),
    (Role.OPERATOR, "logistics-returns", "replacement_failed=maybe", "replacement_failed", WORD),
    (Role.OPERATOR, "complaint-desk", "late=maybe", "late", WORD),
    (Role.FINANCE, "settlement-statements", "receivable=maybe", "receivable", WORD),
    (Role.FINANCE, "settlement-reconciliations", "open_only=maybe", "open_only", WORD),
    (Role.LOGISTICS, "supplier-stock", "low=maybe", "low", WORD),
])
def test_a_value_the_filter_does_not_take_is_named_next_to_it_with_a_400(db, role, url_name, query, field, message):
    response = logged_in(UserFactory(role=role)).get(f"{reverse(url_name)}?{query}")

    assert response.status_code == 400
    assert field_errors(response) == {field: message}
    assert "筛选条件有误，未列出结果" in response.content.decode()


def test_a_supplier_reading_its_notices_is_told_a_bad_unread_word(supplier_admin):
    response = logged_in(supplier_admin).get(f"{reverse('supplier-notices')}?unread=maybe")

    assert (response.status_code, field_errors(response)) == (400, {"unread": WORD})
