"""Progress of long work, kept on the work's own record for the page (and the API) that follows it.

Work done in chunks that each commit (settlement's `GenerationRun`) writes its counts in the chunk's transaction.
Work that must stay one transaction, all or nothing (shipping a file of waybills), would have its counts seen only
once it is over; `outside_the_transaction` writes them on a database connection of its own, committed at once, so
that they are seen while the work goes on. The work's transaction must not hold a lock on the record meanwhile: the
count would wait for a transaction that waits for it.
"""
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connection, connections, models


@contextmanager
def outside_the_transaction(model: type[models.Model], pk: int) -> Iterator[Callable[..., None]]:
    """Yield `report(**counts)`, which sets the fields `counts` names on row `pk` of `model` for readers outside the
    current transaction. On SQLite, which lets one connection write at a time, they are written in the current
    transaction (seen when it commits); so too where no transaction is open, where they commit at once anyway."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        yield lambda **counts: model.objects.filter(pk=pk).update(**counts)
        return
    own = connections.create_connection(DEFAULT_DB_ALIAS)  # in autocommit: each write commits as it is made
    quote = own.ops.quote_name
    try:
        def report(**counts) -> None:
            columns = ", ".join(f"{quote(model._meta.get_field(name).column)} = %s" for name in counts)
            with own.cursor() as cursor:
                cursor.execute(f"UPDATE {quote(model._meta.db_table)} SET {columns} WHERE {quote(model._meta.pk.column)} = %s",
                               [*counts.values(), pk])

        yield report
    finally:
        own.close()
