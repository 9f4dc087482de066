"""The hot paths' statements write and read rows exactly as the ORM would."""
from decimal import Decimal

import pytest
from django.db import connection

from core import sql
from core.models import IdempotencyRecord
from suppliers.models import Gift
from tests.factories import GiftFactory

pytestmark = pytest.mark.django_db


def test_rows_inserted_in_one_statement_read_back_as_saved_with_their_own_keys(operator, now):
    records = [
        IdempotencyRecord(user=operator, endpoint="POST /x", key=f"k{n}", request_hash="h", created_at=now, response_status=201,
                          response_body={"n": n, "名": "值"})
        for n in range(3)
    ]

    sql.insert(records)

    stored = {record.pk: record for record in IdempotencyRecord.objects.filter(key__startswith="k")}
    assert [stored[record.pk].key for record in records] == ["k0", "k1", "k2"]
    assert [(stored[r.pk].response_body, stored[r.pk].response_status, stored[r.pk].created_at) for r in records] == [
        ({"n": n, "名": "值"}, 201, now) for n in range(3)
    ]
    assert not any(record._state.adding for record in records)


def test_a_loaded_row_is_typed_as_the_orm_types_it_and_defers_the_rest():
    gift = GiftFactory(settlement_price=Decimal("180.10"), tier_discounts={"gold": 5})
    fields = ("id", "settlement_price", "tier_discounts", "created_at")
    row = sql.fetch(f"SELECT {sql.columns(Gift, fields, 'g')} FROM {sql.table(Gift)} g WHERE g.id = %s", [gift.pk])[0]

    loaded = sql.load(Gift, fields, row)

    assert (loaded.settlement_price, loaded.tier_discounts, loaded.created_at) == (Decimal("180.10"), {"gold": 5}, gift.created_at)
    assert "name" in loaded.get_deferred_fields() and loaded.name == gift.name  # loads on access


def test_rows_are_locked_only_where_the_database_locks_them():
    assert sql.for_update("lot") == ("" if connection.vendor == "sqlite" else " FOR UPDATE OF lot")


@pytest.mark.django_db(transaction=True)
def test_the_shared_cursor_follows_the_connection_when_it_is_closed_and_opened_again():
    assert sql.fetch("SELECT 1", []) == [(1,)]
    connection.close()

    assert sql.fetch("SELECT 2", []) == [(2,)]


def test_statements_on_the_shared_cursor_are_seen_by_query_capture(django_assert_num_queries):
    sql.fetch("SELECT 1", [])  # the cursor exists before the capture starts

    with django_assert_num_queries(2):
        sql.fetch("SELECT 1", [])
        sql.execute(f"UPDATE {sql.table(Gift)} SET name = name WHERE id = %s", [0])
