"""The migration turning the tariff's units typed in Chinese into codes: each unit written before maps to its code, a
unit not recognised to the unit its kind is charged in, in the tariff and in its history alike; migrating back writes
the units as they were first written. Run on a copy of the SQLite test database, or in the test's transaction on
PostgreSQL, each test starting from the database taken back once to BEFORE (see tests/test_unique_key_migrations.py)."""
from decimal import Decimal

import pytest
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from tests.test_unique_key_migrations import COPY, copied_database, pristine_copy  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("copied_database"), pytest.mark.xdist_group("tariff_unit_migration")]
BEFORE, MIGRATION = ("logistics", "0017_shipment_recipient"), ("logistics", "0018_tariff_unit_choices")
START = [BEFORE]


def migrated(*, written: dict[str, str], changes: list[tuple[str, str, str]]):
    """The tariffs' units and their changes' (previous, new) units after the migration, from `written` units by kind and
    `changes` (kind, previous unit, new unit) as they were typed before it."""
    executor = MigrationExecutor(connections[COPY])
    executor.migrate([BEFORE])
    apps = executor.loader.project_state([BEFORE]).apps
    Tariff, TariffChange = apps.get_model("logistics", "Tariff"), apps.get_model("logistics", "TariffChange")
    for kind, unit in written.items():
        Tariff.objects.using(COPY).filter(kind=kind).update(unit=unit)
    for kind, previous, unit in changes:
        TariffChange.objects.using(COPY).create(tariff=Tariff.objects.using(COPY).get(kind=kind), previous_amount=Decimal("1.00"),
                                                previous_unit=previous, amount=Decimal("2.00"), unit=unit, changed_at="2026-10-01T00:00Z")
    executor = MigrationExecutor(connections[COPY])
    executor.migrate([MIGRATION])
    apps = executor.loader.project_state([MIGRATION]).apps
    units = dict(apps.get_model("logistics", "Tariff").objects.using(COPY).values_list("kind", "unit"))
    history = list(apps.get_model("logistics", "TariffChange").objects.using(COPY).order_by("pk").values_list("previous_unit", "unit"))
    return units, history


def test_the_units_written_in_chinese_become_their_codes():
    units, history = migrated(
        written={"redelivery": "单", "storage": "批·天", "disposal": "每批次", "handling": "件", "return_freight": " 单 "},
        changes=[("storage", "批次·天", "每批每天"), ("handling", "件", "个")],
    )

    assert units == {"redelivery": "order", "storage": "lot_day", "disposal": "lot", "handling": "unit", "return_freight": "order"}
    assert history == [("lot_day", "lot_day"), ("unit", "unit")]


def test_a_unit_not_recognised_becomes_the_unit_its_kind_is_charged_in():
    units, history = migrated(written={"handling": "次", "storage": "", "redelivery": "元/趟"},
                              changes=[("disposal", "次", "处")])

    assert (units["handling"], units["storage"], units["redelivery"]) == ("unit", "lot_day", "order")
    assert history == [("lot", "lot")]


def test_migrating_back_writes_the_units_as_first_written():
    migrated(written={}, changes=[])
    executor = MigrationExecutor(connections[COPY])

    executor.migrate([BEFORE])

    apps = executor.loader.project_state([BEFORE]).apps
    assert dict(apps.get_model("logistics", "Tariff").objects.using(COPY).values_list("kind", "unit")) == {
        "redelivery": "单", "return_freight": "单", "handling": "件", "disposal": "批次", "storage": "批次·天"}
