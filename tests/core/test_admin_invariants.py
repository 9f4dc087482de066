"""What a superuser cannot change in the admin because other rows rest on it: the kind and supplier of a location
holding stock, a member's program, and an M-Zone member's tier (always standard)."""
from datetime import datetime

import pytest

from core.models import Program, Tier
from points.models import Member
from suppliers.models import Location, StockRecord
from suppliers.services import inventory
from tests.factories import SHANGHAI, GiftFactory, MemberFactory, SupplierFactory, WarehouseFactory
from tests.portal import logged_in

pytestmark = pytest.mark.django_db
AT = datetime(2026, 3, 1, 10, 0, tzinfo=SHANGHAI)


def location_form(location: Location, **changes) -> dict:
    return {"code": location.code, "name": location.name, "kind": location.kind, "supplier": location.supplier_id or "",
            "address": location.address, "contact_phone": location.contact_phone} | changes


def test_a_warehouse_holding_stock_stays_a_warehouse_of_no_supplier(superuser):
    warehouse = WarehouseFactory(code="WH-ADM")
    gift = GiftFactory()
    inventory.receive_stock(gift=gift, location=warehouse, quantity=5, at=AT)
    stranger = SupplierFactory()

    logged_in(superuser).post(f"/admin/suppliers/location/{warehouse.pk}/change/",
                              location_form(warehouse, name="一号仓", kind="dropship", supplier=stranger.pk))

    warehouse.refresh_from_db()
    assert (warehouse.name, warehouse.kind, warehouse.supplier_id) == ("一号仓", "warehouse", None)
    assert StockRecord.objects.get(location=warehouse).on_hand == 5


def test_a_location_holding_no_stock_yet_may_still_change_its_kind(superuser):
    supplier = SupplierFactory()
    location = WarehouseFactory(code="WH-NEW")

    logged_in(superuser).post(f"/admin/suppliers/location/{location.pk}/change/",
                              location_form(location, kind="dropship", supplier=supplier.pk))

    location.refresh_from_db()
    assert (location.kind, location.supplier_id) == ("dropship", supplier.pk)


def member_form(member: Member, **changes) -> dict:
    return {"user": member.user_id, "program": member.program_id, "tier": member.tier, "name": member.name,
            "phone": member.phone} | changes


def test_an_mzone_member_cannot_be_given_a_tier_in_the_admin(superuser):
    member = MemberFactory(program=Program.objects.get(code=Program.MZONE), tier=Tier.STANDARD)

    page = logged_in(superuser).post(f"/admin/points/member/{member.pk}/change/", member_form(member, tier=Tier.DIAMOND))

    assert page.status_code == 200 and "不分会员等级" in page.content.decode()
    assert Member.objects.get(pk=member.pk).tier == Tier.STANDARD


def test_a_members_program_stays_what_it_joined(superuser):
    member = MemberFactory(program=Program.objects.get(code=Program.GOTONE), tier=Tier.GOLD)
    mzone = Program.objects.get(code=Program.MZONE)

    logged_in(superuser).post(f"/admin/points/member/{member.pk}/change/", member_form(member, program=mzone.pk, name="新名字"))

    member.refresh_from_db()
    assert (member.program.code, member.tier, member.name) == (Program.GOTONE, Tier.GOLD, "新名字")
