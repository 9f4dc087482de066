"""A list staff read across suppliers offers a supplier filter, one a supplier's users read (their own rows) does not:
every such filter form is told who reads it (`reader=`) and decides it one way (`suppliers.forms.SupplierFilter`)."""
import pytest

from points.forms_complaints import ComplaintFilterForm
from settlement.views_cases import CaseFilterForm, ReEvaluationFilterForm
from suppliers.forms import NoticeFilterForm
from tests.portal import field_errors, logged_in

pytestmark = pytest.mark.django_db

FORMS = [CaseFilterForm, ReEvaluationFilterForm, NoticeFilterForm, ComplaintFilterForm]


@pytest.mark.parametrize("form_class", FORMS)
def test_staff_get_a_supplier_filter_and_a_suppliers_users_none(form_class, operator, supplier_staff, supplier):
    staff = form_class({"supplier": str(supplier.pk)}, reader=operator)
    own = form_class({"supplier": "12345"}, reader=supplier_staff)

    assert ("supplier" in staff.fields, staff.across_suppliers) == (True, True)
    assert staff.is_valid() and staff.cleaned_data["supplier"] == supplier
    assert ("supplier" in own.fields, own.across_suppliers) == (False, False)
    assert own.is_valid()  # a supplier's users read their own rows: the parameter is no filter of theirs


def test_the_complaint_desk_names_a_supplier_that_is_no_id_as_every_supplier_filter_does(operator):
    response = logged_in(operator).get("/complaints/", {"supplier": "abc"})

    assert response.status_code == 400 and field_errors(response) == {"supplier": "没有编号为 abc 的礼品商"}
