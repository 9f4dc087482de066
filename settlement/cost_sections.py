"""An extra cost's page names the statement that claimed it (imported by SettlementConfig.ready)."""
from django.template.loader import render_to_string

from core.roles import SUPPLIER_ROLES, has_role
from logistics import views_returns as cost_pages
from settlement.models import SourceKind, StatementLine
from settlement.services.statements import HIDDEN_FROM_SUPPLIERS, list_statements
from settlement.views_statements import STATEMENT_READERS


def claiming_statement(request, cost) -> str:
    """The statement carrying the cost, linked to its page for those who may open it (nothing while none does); a
    supplier, who sees no draft, reads that its next statement, being prepared, carries it (as on adjustments)."""
    line = StatementLine.objects.filter(source_kind=SourceKind.EXTRA_COST, source_id=cost.pk).select_related("statement").first()
    if line is None:
        return ""
    if getattr(request.user, "role", None) in SUPPLIER_ROLES and line.statement.state in HIDDEN_FROM_SUPPLIERS:
        return render_to_string("settlement/_cost_statement.html", {"on_draft": True}, request=request)
    linked = has_role(request.user, STATEMENT_READERS) and list_statements(actor=request.user).filter(pk=line.statement_id).exists()
    return render_to_string("settlement/_cost_statement.html", {"statement": line.statement, "linked": linked}, request=request)


cost_pages.cost_sections.append(claiming_statement)
