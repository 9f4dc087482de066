"""Every portal list refuses a filter value it does not take, whatever the list: the value is named next to its filter,
the page answers 400 and lists nothing (core.forms.ListFilter). One request per list filter added with the shared
filters, each as the role that reads the list. A yes/no filter's checkbox shows what the list was asked for: ticked
for yes, unticked for none, and, for no (which lists only the rows it does not fit), unticked and marked as saying no.
Which rows each yes/no filter lists is tested with its list."""
import re

import pytest
from django.urls import reverse

from core.roles import Role
from tests.factories import UserFactory
from tests.portal import field_errors, logged_in, shown

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


YES_NO_FILTERS = [
    (Role.FINANCE, "settlement-statements", "receivable"),
    (Role.FINANCE, "settlement-statements", "overdue"),
    (Role.FINANCE, "settlement-reconciliations", "open_only"),
    (Role.OPERATOR, "settlement-assessments", "below"),
    (Role.OPERATOR, "logistics-returns", "replacement_failed"),
    (Role.OPERATOR, "complaint-desk", "late"),
    (Role.LOGISTICS, "supplier-stock", "low"),
    (Role.OPERATOR, "supplier-notices", "unread"),
]


def checkbox(page: str, name: str) -> str:
    [box] = re.findall(rf'<input type="checkbox" name="{name}"[^>]*>', page)
    return box


@pytest.mark.parametrize(("role", "url_name", "field"), YES_NO_FILTERS)
@pytest.mark.parametrize(("word", "ticked", "says_no"), [("1", True, False), ("", False, False), ("false", False, True)])
def test_a_yes_no_filters_checkbox_shows_the_word_it_was_given(db, role, url_name, field, word, ticked, says_no):
    response = logged_in(UserFactory(role=role)).get(reverse(url_name), {field: word})

    page = response.content.decode()
    assert response.status_code == 200
    assert ('checked' in checkbox(page, field), f'data-testid="says-no-{field}"' in page) == (ticked, says_no)
    assert 'value="1"' in checkbox(page, field)  # ticked, it sends 1; unticked, nothing


def test_the_mark_for_no_is_in_the_readers_language(finance):
    english = logged_in(finance).get(reverse("settlement-statements"), {"overdue": "no"}, HTTP_ACCEPT_LANGUAGE="en")

    assert shown(english, "says-no-overdue") == "Now “no”: only those this does not fit"
