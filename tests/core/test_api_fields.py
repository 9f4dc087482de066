"""ScopedKey: an id in a request body is read as the same id in a URL would be."""
import pytest
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from core.api.fields import ScopedKey
from core.errors import NotFound
from suppliers.models import Supplier

pytestmark = pytest.mark.django_db


class ContractLike(serializers.Serializer):
    supplier = ScopedKey(Supplier, required=True)


def read(user, value):
    request = APIRequestFactory().post("/")
    request.user = user
    params = ContractLike(data={"supplier": value}, context={"request": request})
    return params.is_valid(), params


def test_the_callers_own_row_is_read_and_another_tenants_is_not_found_naming_the_field(supplier_admin, supplier, other_supplier):
    ok, params = read(supplier_admin, supplier.pk)
    assert ok and params.validated_data["supplier"] == supplier

    with pytest.raises(NotFound) as refused:
        read(supplier_admin, other_supplier.pk)
    assert refused.value.field == "supplier"


@pytest.mark.parametrize("value", ["abc", [1], None, ""])
def test_a_value_that_is_no_id_at_all_is_a_400_naming_the_field(supplier_admin, value):
    ok, params = read(supplier_admin, value)

    assert not ok and list(params.errors) == ["supplier"]
