"""The migrations adding a unique key stop, naming the rows to mend, when existing rows already share a value. On
SQLite they run on a copy of the test database taken outside any test transaction (its schema editor cannot alter
tables inside one); on PostgreSQL, whose schema changes are transactional, in the test's own transaction, rolled back
with it. Either way the tests' database is left as it was.

Taking the schema back is what costs (Django renders every app's models again for each migration undone), so a test
module names in START the migrations its tests start from: the database is taken back there once, before the module's
first test, and each test migrates on from it. On SQLite that state is the file each test copies; on PostgreSQL it is
held in a transaction that each test's own nests in, rolled back after the module's last test."""
import contextlib
import shutil
import sqlite3
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor

from core.migration_checks import DuplicateRows

COPY = "migration_copy"
# where the credit code, contract number and username migrations start (the logistics migrations depending on the
# suppliers ones go back with them, to 0018, and the disposal fee and carrier event tests migrate on from there)
START = [("suppliers", "0015_qualification_review"), ("core", "0008_records_keep_what_they_belong_to")]

# the module's tests on one worker, which takes the schema back once for them all (`--dist loadgroup`)
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("unique_key_migrations")]


@contextlib.contextmanager
def connected_to(path):
    """A connection (alias COPY) to the SQLite database file at `path`."""
    wrapper = type(connections["default"])  # `connection` is a proxy to it
    copy = wrapper({**connections["default"].settings_dict, "NAME": str(path)}, alias=COPY)
    connections[COPY] = copy
    try:
        yield copy
    finally:
        copy.close()
        del connections[COPY]


def check_constraints_at_once():
    """PostgreSQL alters no table with foreign-key checks pending: run them as each row is written."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.fixture(scope="module")
def pristine_copy(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """The migrated test database taken back to the test module's START (if it names one), outside any test's
    transaction: a file copy on SQLite; None on PostgreSQL, where the test database itself is taken back in a
    transaction rolled back after the module's last test."""
    start = getattr(request.module, "START", [])
    if connections["default"].vendor != "sqlite":
        if not start:
            yield None
            return
        with django_db_blocker.unblock():
            held = transaction.atomic()
            held.__enter__()
            check_constraints_at_once()
            MigrationExecutor(connection).migrate(start)
        try:
            yield None
        finally:
            with django_db_blocker.unblock():
                transaction.set_rollback(True)
                held.__exit__(None, None, None)
        return
    path = tmp_path_factory.mktemp("migrations") / "pristine.sqlite3"
    with django_db_blocker.unblock():
        connection.ensure_connection()
        with sqlite3.connect(path) as target:
            connection.connection.backup(target)
        if start:
            with connected_to(path) as copy:
                MigrationExecutor(copy).migrate(start)
    yield path


@pytest.fixture
def copied_database(pristine_copy, tmp_path):
    """A connection (alias COPY) to migrate back and forth from the module's START: a fresh copy of the SQLite test
    database, or PostgreSQL's own test connection inside the test's transaction (deferred foreign-key checks run
    first, see check_constraints_at_once)."""
    if pristine_copy is None:
        check_constraints_at_once()
        connections[COPY] = connections["default"]
        try:
            yield connections["default"]
        finally:
            del connections[COPY]
        return
    with connected_to(shutil.copy(pristine_copy, tmp_path / "copy.sqlite3")) as copy:
        yield copy


def stopped_message(copy, app: str, *, before: str, migration: str, arrange) -> str:
    """What `migration` stops with after `arrange(apps)` wrote rows into the schema as it was `before`."""
    executor = MigrationExecutor(copy)
    executor.migrate([(app, before)])
    arrange(executor.loader.project_state([(app, before)]).apps)
    with pytest.raises(DuplicateRows) as stopped:
        MigrationExecutor(copy).migrate([(app, migration)])
    return str(stopped.value)


def suppliers_named(apps, *names: str, credit_code=lambda n: "91350100M000100Y43") -> list:
    return [apps.get_model("suppliers", "Supplier").objects.using(COPY).create(
        name=name, credit_code=credit_code(n), contact_name="王", contact_phone="13911112222", applied_at="2026-01-01T00:00Z")
        for n, name in enumerate(names)]


def test_the_credit_code_migration_stops_naming_the_suppliers_that_share_a_code(copied_database):
    message = stopped_message(copied_database, "suppliers", before="0015_qualification_review", migration="0016_supplier_credit_code_unique",
                              arrange=lambda apps: suppliers_named(apps, "甲礼品有限公司", "乙礼品有限公司"))

    assert "91350100M000100Y43" in message and "甲礼品有限公司" in message and "乙礼品有限公司" in message


def test_the_contract_number_migration_stops_naming_the_contracts_and_suppliers_that_share_a_number(copied_database):
    def one_number_twice(apps):
        for supplier in suppliers_named(apps, "甲礼品有限公司", "乙礼品有限公司", credit_code=lambda n: f"91350100M000100Y4{n}"):
            apps.get_model("suppliers", "Contract").objects.using(COPY).create(
                supplier=supplier, number="HT-2027-001", start_date=date(2027, 1, 1), end_date=date(2028, 1, 1), payment_days=30,
                deposit_amount=Decimal("0"), created_at="2026-01-01T00:00Z")

    message = stopped_message(copied_database, "suppliers", before="0016_supplier_credit_code_unique", migration="0017_contract_number_unique",
                              arrange=one_number_twice)

    assert "HT-2027-001" in message and "甲礼品有限公司" in message and "乙礼品有限公司" in message


def test_the_username_migration_stops_naming_the_accounts_whose_names_differ_only_in_case(copied_database):
    def one_name_in_two_cases(apps):
        for username in ("Zhang.Wei", "li.na", "zhang.wei"):
            apps.get_model("core", "User").objects.using(COPY).create(username=username)

    message = stopped_message(copied_database, "core", before="0008_records_keep_what_they_belong_to",
                              migration="0009_username_unique_ignoring_case", arrange=one_name_in_two_cases)

    assert "zhang.wei: Zhang.Wei (#" in message and ", zhang.wei (#" in message and "li.na" not in message
    assert "docs/operations.md" in message


def rows_of(apps, app: str, name: str):
    return apps.get_model(app, name).objects.using(COPY)


def a_gift_of(apps, supplier_name: str):
    """A supplier named `supplier_name` and a gift of it, as the schema being migrated holds them."""
    (supplier,) = suppliers_named(apps, supplier_name)
    category = rows_of(apps, "suppliers", "Category").create(code="migration-test", name="测试")
    return rows_of(apps, "suppliers", "Gift").create(supplier=supplier, sku="G-1", name="礼品", category=category, market_price=Decimal("10"),
                                                     settlement_price=Decimal("8"), created_at="2026-01-01T00:00Z")


def test_the_disposal_fee_migration_stops_naming_the_lots_charged_twice(copied_database):
    def one_lot_charged_twice(apps):
        model = lambda app, name: rows_of(apps, app, name)  # noqa: E731
        gift = a_gift_of(apps, "甲礼品有限公司")
        supplier = gift.supplier
        location = model("suppliers", "Location").create(code="WH-MIG", name="仓", kind="warehouse")
        lot = model("logistics", "LeftoverLot").create(supplier=supplier, gift=gift, location=location, quantity=1, state="disposed",
                                                       created_at="2026-01-01T00:00Z", collect_by=date(2026, 1, 31))
        for state in ("recorded", "recorded", "voided"):
            model("logistics", "ExtraCost").create(kind="disposal", payer="supplier", supplier=supplier, amount=Decimal("20"),
                                                   lot=lot, state=state, recorded_at="2026-02-01T00:00Z")

    message = stopped_message(copied_database, "logistics", before="0026_return_evidence_content_type",
                              migration="0027_disposal_fee_once_per_lot", arrange=one_lot_charged_twice)

    assert message.count("甲礼品有限公司 (#") == 2 and "Void each disposal fee recorded in error" in message


def test_the_carrier_event_migration_stops_naming_the_events_of_one_parcel_that_share_a_sequence(copied_database):
    def one_parcel_with_sequence_2_twice(apps):
        gift = a_gift_of(apps, "甲礼品有限公司")
        user = rows_of(apps, "core", "User").create(username="member-1")
        program = rows_of(apps, "core", "Program").get(code="gotone")
        member = rows_of(apps, "points", "Member").create(user=user, program=program, name="张三", phone="13900001111")
        order = rows_of(apps, "points", "RedemptionOrder").create(
            number="R-1", member=member, gift=gift, supplier=gift.supplier, program=program, quantity=1, fulfilment="warehouse",
            points_unit_price=100, points_cost=100, settlement_unit_price=Decimal("8"), settlement_amount=Decimal("8"),
            recipient_name="张三", recipient_phone="13900001111", address="福州", placed_at="2026-01-01T00:00Z",
            expires_at="2026-01-02T00:00Z")
        relabelled, other = (rows_of(apps, "logistics", "Shipment").create(
            order=order, supplier=gift.supplier, kind="warehouse", quantity=1, tracking_number=number, created_at="2026-01-01T00:00Z")
            for number in ("SF100", "SF200"))
        for event_id, shipment, tracking_number, sequence in [
            ("EV-OLD-1", relabelled, "SF099", 1), ("EV-OLD-2", relabelled, "SF099", 2), ("EV-NEW-2", relabelled, "SF100", 2),
            ("EV-OTHER-2", other, "SF200", 2), ("EV-LOOSE-2", None, "SF300", 2), ("EV-LOOSE-2B", None, "SF301", 2),
        ]:
            rows_of(apps, "logistics", "CarrierEvent").create(
                event_id=event_id, shipment=shipment, tracking_number=tracking_number, sequence=sequence, kind="shipped",
                occurred_at="2026-01-01T00:00Z", received_at="2026-01-01T00:00Z")

    message = stopped_message(copied_database, "logistics", before="0027_disposal_fee_once_per_lot",
                              migration="0028_carrier_event_sequence_per_parcel", arrange=one_parcel_with_sequence_2_twice)

    assert "EV-OLD-2 (#" in message and "EV-NEW-2 (#" in message
    assert not any(event in message for event in ("EV-OLD-1", "EV-OTHER-2", "EV-LOOSE-2"))
    assert "docs/operations.md" in message
