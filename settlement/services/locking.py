"""The order settlement takes its locks in (docs/architecture.md, Locking): a supplier's row first
(`suppliers.services.locks.lock_suppliers`, as generation takes it before claiming), then its statement. Every step that
acts on a statement locks it through `locked_statements`, so two steps on one supplier's money never wait on each other
in opposite orders. Its own module: statements, adjustments and reconciliation all lock through it, and statements
imports the other two."""
from django.db.models import QuerySet

from settlement.models import Statement
from suppliers.services.locks import lock_suppliers


def locked_statements(*, supplier_id: int) -> QuerySet[Statement]:
    """The supplier's statements, read under their row lock (`select_for_update`), the supplier's row locked first and at
    once, before the caller picks the statement: the caller's transaction holds both until it ends."""
    lock_suppliers([supplier_id])
    return Statement.objects.select_for_update().filter(supplier_id=supplier_id)


def lock_statement(statement: Statement) -> Statement:
    """The statement re-read under its row lock with its supplier (its state is what the caller acts on), the
    supplier's row locked first (`locked_statements`). The join locks the statement's row alone (`of`): the supplier's
    stays FOR NO KEY UPDATE, so an order or a notice referring to it is written while a statement is issued."""
    return locked_statements(supplier_id=statement.supplier_id).select_for_update(of=("self",)).select_related("supplier").get(
        pk=statement.pk)
