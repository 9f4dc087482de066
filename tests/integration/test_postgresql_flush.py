"""The flush the test runs use on PostgreSQL (tests/postgresql/base.py), which empties the tables after each
transactional test: by DELETE, every table, in whatever order they come, rows referring to each other too (the
foreign keys are checked at the flush's commit, by when every row is gone); by TRUNCATE when the ids must start again
(reset_sequences) or the tables referring to those flushed must be emptied with them (allow_cascade)."""
from datetime import date

import pytest
from django.core.management.color import no_style
from django.db import connection
from django.utils import timezone

from settlement.models import Reconciliation, Statement, StatementVersion
from suppliers.models import Category
from tests.factories import CategoryFactory, GiftFactory, MemberFactory, SupplierFactory


def tables() -> list[str]:
    return connection.introspection.django_table_names(only_existing=True, include_views=False)


def flush(names: list[str], **options) -> list[str]:
    """Flush the tables `names` as a transactional test's teardown does (`manage.py flush`); the statements it ran."""
    statements = connection.ops.sql_flush(no_style(), names, **options)
    connection.ops.execute_sql_flush(statements)
    return statements


def rows_left() -> dict[str, int]:
    """The tables that still hold rows, with how many."""
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(f"SELECT {table!r}, COUNT(*) FROM {connection.ops.quote_name(table)}" for table in tables()))
        return {table: count for table, count in cursor.fetchall() if count}


def reconciliations_superseding_each_other() -> None:
    """Rows of several tables referring to each other along their foreign keys (a gift its supplier and category, a
    member its user and program, a reconciliation its statement, version and supplier), and two reconciliations each
    naming the other as the one that superseded it."""
    supplier = SupplierFactory()
    GiftFactory(supplier=supplier)
    MemberFactory()
    statement = Statement.objects.create(supplier=supplier, month=date(2026, 10, 1), generated_at=timezone.now())
    version = StatementVersion.objects.create(statement=statement, number=1, created_at=timezone.now())
    first, second = (Reconciliation.objects.create(statement=statement, version=version, supplier=supplier, file_name=f"{n}.csv",
                                                   uploaded_at=timezone.now()) for n in (1, 2))
    Reconciliation.objects.filter(pk=first.pk).update(superseded_by=second)
    Reconciliation.objects.filter(pk=second.pk).update(superseded_by=first)


@pytest.mark.parametrize("order", ["as listed", "reversed"])
def test_a_flush_deletes_every_tables_rows_whatever_the_order_though_they_refer_to_each_other(programs, order):
    reconciliations_superseding_each_other()
    assert {"core_user", "points_member", "suppliers_gift", "settlement_reconciliation"} <= set(rows_left())

    statements = flush(tables() if order == "as listed" else tables()[::-1])

    assert statements and all(statement.startswith("DELETE FROM ") for statement in statements)
    assert rows_left() == {}


def test_the_ids_go_on_after_a_flush_by_delete(programs):
    before = CategoryFactory(code="tea").pk

    flush(tables())

    assert CategoryFactory(code="tea").pk > before


def test_a_flush_resetting_sequences_truncates_every_table_and_starts_the_ids_again(programs):
    reconciliations_superseding_each_other()
    CategoryFactory(code="coffee")

    statements = flush(tables(), reset_sequences=True)

    assert len(statements) == 1 and statements[0].startswith("TRUNCATE ") and "RESTART IDENTITY" in statements[0]
    assert rows_left() == {}
    assert CategoryFactory(code="tea").pk == 1


def test_a_flush_allowed_to_cascade_truncates_the_tables_referring_to_those_flushed(programs):
    GiftFactory()

    statements = flush([Category._meta.db_table], allow_cascade=True)

    assert statements[0].startswith("TRUNCATE ") and statements[0].rstrip(";").endswith("CASCADE")
    assert not Category.objects.exists() and "suppliers_gift" not in rows_left()


def test_every_foreign_key_is_checked_at_commit_which_lets_a_flush_delete_in_any_order(db):
    """What the flush by DELETE rests on: a constraint checked row by row would refuse deleting a row still referred to."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE contype = 'f' "
                       "AND connamespace = current_schema()::regnamespace AND NOT (condeferrable AND condeferred)")
        checked_at_once = cursor.fetchall()

    assert checked_at_once == []
