"""The migration recording when a dropship parcel's supplier was told of it: the parcels handed over before it count
as told at their handover, so that a deploy tells no supplier of its history again; a warehouse parcel has no
supplier to tell. Migrating back drops the record. Run on a copy of the SQLite test database, or in the test's
transaction on PostgreSQL, each test starting from the database taken back once to BEFORE (see
tests/test_unique_key_migrations.py)."""
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from tests.test_unique_key_migrations import COPY, copied_database, pristine_copy  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("copied_database"), pytest.mark.xdist_group("supplier_notified_migration")]
BEFORE, MIGRATION = ("logistics", "0018_tariff_unit_choices"), ("logistics", "0019_shipment_supplier_notified_at")
START = [BEFORE]
HANDED = datetime(2026, 10, 1, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def shipments_before(apps) -> dict[str, int]:
    """A dropship parcel handed over at HANDED, shipped since, one still waiting a day later, and a warehouse parcel,
    written in the schema as it was before the migration: their ids by name."""
    model = lambda label: apps.get_model(*label.split(".")).objects.using(COPY)  # noqa: E731
    program = model("core.Program").first()
    member = model("points.Member").create(user=model("core.User").create(username="m1"), program=program, name="李", phone="13900000001")
    supplier = model("suppliers.Supplier").create(name="甲礼品有限公司", credit_code="91350100M000100Y43", contact_name="王",
                                                   contact_phone="13911112222", applied_at=HANDED)
    category = model("suppliers.Category").create(code="misc", name="杂项")
    made = {}
    for name, fulfilment, state, at in (("shipped", "dropship", "shipped", HANDED), ("waiting", "dropship", "created", HANDED + timedelta(days=1)),
                                        ("warehouse", "warehouse", "created", HANDED)):
        gift = model("suppliers.Gift").create(supplier=supplier, sku=name, name=name, category=category, fulfilment=fulfilment,
                                              market_price=Decimal("10.00"), settlement_price=Decimal("8.00"), created_at=at)
        order = model("points.RedemptionOrder").create(
            number=f"RO-{name}", member=member, gift=gift, supplier=supplier, program=program, quantity=1, fulfilment=fulfilment,
            points_unit_price=100, points_cost=100, settlement_unit_price=Decimal("8.00"), settlement_amount=Decimal("8.00"),
            recipient_name="李", recipient_phone="13900000001", address="福州市鼓楼区", placed_at=at, expires_at=at, state="handed_over")
        made[name] = model("logistics.Shipment").create(order=order, supplier=supplier, kind=fulfilment, quantity=1, created_at=at,
                                                        state=state).pk
    return made


def migrated(target):
    """The apps as migrated to `target`, every other app at its latest migration."""
    executor = MigrationExecutor(connections[COPY])
    targets = [target] + [leaf for leaf in executor.loader.graph.leaf_nodes() if leaf[0] != target[0]]
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_the_dropship_parcels_handed_over_before_count_as_told_at_their_handover_and_a_warehouse_one_as_nothing_to_tell():
    made = shipments_before(migrated(BEFORE))

    apps = migrated(MIGRATION)

    told = dict(apps.get_model("logistics", "Shipment").objects.using(COPY).values_list("pk", "supplier_notified_at"))
    assert told == {made["shipped"]: HANDED, made["waiting"]: HANDED + timedelta(days=1), made["warehouse"]: None}


def test_migrating_back_keeps_the_parcels_and_drops_the_record():
    made = shipments_before(migrated(BEFORE))
    migrated(MIGRATION)

    apps = migrated(BEFORE)

    Shipment = apps.get_model("logistics", "Shipment")
    assert sorted(Shipment.objects.using(COPY).values_list("pk", flat=True)) == sorted(made.values())
    assert "supplier_notified_at" not in {field.name for field in Shipment._meta.get_fields()}
    assert migrated(MIGRATION).get_model("logistics", "Shipment").objects.using(COPY).filter(supplier_notified_at=HANDED).count() == 1
