"""The redemption benchmark's baseline (bench/redemption.py) writes the rows a redemption writes in plain SQL: each of its
INSERTs names every column the database requires, so a new required column (a model field without a default in the
database) is added to the baseline too instead of failing every baseline redemption at the benchmark's next run."""
import re

import pytest
from django.apps import apps
from django.db.models.fields import NOT_PROVIDED

from bench import redemption

INSERTS = [redemption.SQL_ENTRY, redemption.SQL_ALLOCATION, redemption.SQL_ORDER, redemption.SQL_MOVEMENT,
           redemption.SQL_TRANSITION, redemption.SQL_NOTIFICATION]


def required_columns(table: str) -> set[str]:
    """The columns of `table` an INSERT must name: not null, no default in the database, not the generated key."""
    model = next(model for model in apps.get_models() if model._meta.db_table == table)
    return {field.column for field in model._meta.concrete_fields
            if not field.null and field.db_default is NOT_PROVIDED and not field.primary_key}


@pytest.mark.parametrize("sql", INSERTS, ids=lambda sql: re.match(r"INSERT INTO (\w+)", sql).group(1))
def test_each_baseline_insert_names_every_column_the_database_requires(sql):
    table, columns = re.match(r"INSERT INTO (\w+) \(([^)]*)\)", sql).groups()
    named = {column.strip() for column in columns.split(",")}

    assert required_columns(table) - named == set()
