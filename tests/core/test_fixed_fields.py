"""What other rows rest on stays as it was however a record is saved (a service, a shell, a form), not only in the
admin: a member's program, and the kind and supplier of a location holding stock. The refusal names the field."""
from datetime import datetime

import pytest
from django.core.exceptions import ValidationError

from core.errors import ValidationFailed
from core.models import Program, Tier
from points.models import Member
from suppliers.models import Location
from suppliers.services import inventory
from tests.factories import SHANGHAI, GiftFactory, MemberFactory, SupplierFactory, WarehouseFactory

pytestmark = pytest.mark.django_db
AT = datetime(2026, 3, 1, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def gotone_member():
    return MemberFactory(program=Program.objects.get(code=Program.GOTONE), tier=Tier.GOLD, name="刘洋")


def test_saving_a_member_in_another_program_is_refused_naming_the_program(gotone_member):
    gotone_member.program = Program.objects.get(code=Program.MZONE)
    gotone_member.name = "新名字"

    with pytest.raises(ValidationFailed) as refused:
        gotone_member.save()

    assert refused.value.field == "program" and "积分计划不能更改" in refused.value.detail
    assert Member.objects.filter(pk=gotone_member.pk).values_list("program__code", "name").get() == (Program.GOTONE, "刘洋")


def test_a_member_form_checking_the_member_names_the_program(gotone_member):
    gotone_member.program = Program.objects.get(code=Program.MZONE)

    with pytest.raises(ValidationError) as refused:
        gotone_member.full_clean()

    assert list(refused.value.message_dict) == ["program"]


def test_a_member_saved_in_its_own_program_keeps_the_other_changes(gotone_member):
    gotone_member.name = "新名字"

    gotone_member.save()

    assert Member.objects.filter(pk=gotone_member.pk).values_list("program__code", "name").get() == (Program.GOTONE, "新名字")


def test_the_member_profile_api_leaves_the_program_as_it_was(api, gotone_member):
    response = api(gotone_member.user).patch("/api/v1/member/profile/", {"program": Program.MZONE, "reminders_opt_out": True},
                                             format="json")

    assert response.status_code == 200 and response.json()["program"] == Program.GOTONE
    assert Member.objects.get(pk=gotone_member.pk).program.code == Program.GOTONE


def test_saving_a_warehouse_holding_stock_as_a_suppliers_own_is_refused_naming_the_kind():
    warehouse = WarehouseFactory(code="WH-FIX")
    inventory.receive_stock(gift=GiftFactory(), location=warehouse, quantity=5, at=AT)
    warehouse.kind, warehouse.supplier = Location.Kind.DROPSHIP, SupplierFactory()

    with pytest.raises(ValidationFailed) as refused:
        warehouse.save()

    assert refused.value.field == "kind" and "已有库存" in refused.value.detail
    assert Location.objects.filter(pk=warehouse.pk).values_list("kind", "supplier").get() == (Location.Kind.WAREHOUSE, None)


def test_a_location_holding_no_stock_yet_may_still_be_saved_as_another_kind():
    supplier = SupplierFactory()
    location = WarehouseFactory(code="WH-EMPTY")
    location.kind, location.supplier = Location.Kind.DROPSHIP, supplier

    location.save()

    assert Location.objects.filter(pk=location.pk).values_list("kind", "supplier").get() == (Location.Kind.DROPSHIP, supplier.pk)
