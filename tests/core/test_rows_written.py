"""`tests.helpers.rows_written`, which the bad-input sweeps judge "writes nothing" by: it counts the rows again after a
statement that can write, whichever way it was sent, and only then."""
import pytest
from django.db import connection

from core.sql import execute
from suppliers.models import Category
from tests.helpers import row_counts, rows_written

pytestmark = pytest.mark.django_db


def test_rows_added_through_the_orm_are_counted():
    before = row_counts()

    with rows_written(before) as written:
        Category.objects.create(code="wine", name="酒")

    assert written == {"suppliers.Category": 1}


def test_rows_removed_through_raw_sql_are_counted():
    Category.objects.create(code="wine", name="酒")
    before = row_counts()

    with rows_written(before) as written:
        execute(f"DELETE FROM {Category._meta.db_table} WHERE code = %s", ["wine"])

    assert written == {"suppliers.Category": -1}


def test_reads_alone_count_nothing_again(django_assert_num_queries):
    before = row_counts()

    with django_assert_num_queries(2), rows_written(before) as written:
        list(Category.objects.all())
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    assert written == {}
