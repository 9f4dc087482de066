"""The order lists, an order's page and the orders API name the statement an order's delivery is booked on (imported
by SettlementConfig.ready): the statement's month and the version its delivery line first appears in, for whoever may
read that statement; a supplier, who sees no draft, reads that its next statement, being prepared, carries it."""
from django.db.models import Exists, OuterRef, QuerySet, Subquery

from core.roles import SUPPLIER_ROLES, sees_settlement_money
from points import selectors as order_reads
from settlement.models import SourceKind, StatementLine
from settlement.services.statements import HIDDEN_FROM_SUPPLIERS


def booked_on(orders: QuerySet, user) -> QuerySet:
    """`orders` annotated with the statement claiming each one's delivery (`booked_statement_id`, `booked_month`,
    `booked_version`: None while none does, or for a reader who may not see it) and `booked_draft` (a supplier's
    reader: a draft, not yet issued, claims it), in four subqueries of the unique (source_kind, source_id) index."""
    role = getattr(user, "role", None)
    if not sees_settlement_money(user):  # members and the logistics staff read no statement (Statement.visibility.readers)
        return orders
    lines = StatementLine.objects.filter(source_kind=SourceKind.ORDER, source_id=OuterRef("pk"))
    drafts = lines.filter(statement__state__in=HIDDEN_FROM_SUPPLIERS) if role in SUPPLIER_ROLES else lines.none()
    shown = lines.exclude(statement__state__in=HIDDEN_FROM_SUPPLIERS) if role in SUPPLIER_ROLES else lines
    return orders.annotate(
        booked_statement_id=Subquery(shown.values("statement_id")[:1]),
        booked_month=Subquery(shown.values("statement__month")[:1]),
        booked_version=Subquery(shown.values("version")[:1]),
        booked_draft=Exists(drafts),
    )


order_reads.order_bookings.append(booked_on)
