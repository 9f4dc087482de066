"""The home page's panels of settlement (imported by SettlementConfig.ready): finance's payments to make and overdue,
a supplier's latest statement, and for both the payables of the last twelve months."""
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.charts import bar_chart
from core.home import register_home_panel
from core.roles import SUPPLIER_ROLES, Role
from settlement.models import Statement
from settlement.services import statements

CHART_MONTHS = 12
ZERO, CENT = Decimal("0.00"), Decimal("0.01")


def payment_figures(user) -> dict:
    """Statements to issue, payments awaited (invoiced or approved) and those overdue, with their amounts: one query."""
    awaiting, overdue = Q(state__in=statements.AWAITING_PAYMENT), Q(payment_overdue=True)
    return statements.list_statements(actor=user).aggregate(
        drafts=Count("id", filter=Q(state=Statement.State.DRAFT)),
        awaiting=Count("id", filter=awaiting), awaiting_amount=Sum("payable", filter=awaiting, default=ZERO),
        overdue=Count("id", filter=overdue), overdue_amount=Sum("payable", filter=overdue, default=ZERO),
    )


def latest_statement(user) -> dict:
    """The user's latest statement, and every other receivable it still owes (`other_receivables`, oldest first: an
    older one is not hidden by a later statement), in one query more."""
    statement = statements.list_statements(actor=user).order_by("-month").first()
    others = statements.outstanding_receivables(actor=user).exclude(pk=getattr(statement, "pk", None))
    return {"statement": statement, "awaiting_payment": statement is not None and statement.state in statements.AWAITING_PAYMENT,
            "other_receivables": list(others)}


def payables_by_month(user) -> tuple[list[dict], str]:
    """The payables of the last twelve months to this one the user may see (`monthly_payables`) and their bar chart."""
    payables = statements.monthly_payables(actor=user, months=CHART_MONTHS, until=timezone.localdate())
    points = [(f"{row['month']:%Y-%m}", row["payable"].quantize(CENT)) for row in payables]
    return payables, bar_chart(points, title=_("各月应付金额"), columns=(_("结算月份"), _("应付金额（元）")), money=True)


def payables_chart(user) -> dict | None:
    """The chart, and apart from it the months whose negative payables were carried forward (`carried`, whether any)
    and those that became receivables (`receivables`, owed by a terminated supplier instead: never carried)."""
    payables, chart = payables_by_month(user)
    if not payables:
        return None
    return {"chart": chart, "carried": any(row["carried"] for row in payables),
            "receivables": [row for row in payables if row["receivable"]]}


register_home_panel(gettext_lazy("付款"), "settlement/home_payments.html", payment_figures, roles={Role.FINANCE}, order=10)
register_home_panel(gettext_lazy("最新结算单"), "settlement/home_statement.html", latest_statement, roles=SUPPLIER_ROLES, order=40)
register_home_panel(gettext_lazy("各月应付金额"), "settlement/home_payables.html", payables_chart, roles={Role.FINANCE, *SUPPLIER_ROLES},
                    order=50, wide=True)
