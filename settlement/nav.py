"""Navigation entries of settlement (imported by SettlementConfig.ready); finance also has 物流索赔 (logistics). Operators
read the statements, adjustments and reconciliations: each entry is shown to the roles its page admits."""
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from core.forms import WAITING_QUERY
from core.portal import NavGroup, register_nav, register_supplier_page
from core.roles import Role
from settlement.models import Adjustment, Reconciliation, Statement
from settlement.services.adjustments import adjustments_to_check
from settlement.services.reconciliation import lines_to_resolve
from settlement.services.statements import statements_waiting

register_nav(pgettext_lazy("many", "结算月份"), "settlement-months", roles={Role.FINANCE}, order=81, group=NavGroup.SETTLEMENT)
register_nav(_("结算单"), "settlement-statements", roles=Statement.visibility.readers, order=82,
             group=NavGroup.SETTLEMENT, badge=statements_waiting, badge_query=WAITING_QUERY)
register_nav(_("调账"), "settlement-adjustments", roles=Adjustment.visibility.readers, order=83, group=NavGroup.SETTLEMENT,
             badge=adjustments_to_check, badge_query=WAITING_QUERY)
register_nav(_("对账"), "settlement-reconciliations", roles=Reconciliation.visibility.readers, order=84, group=NavGroup.SETTLEMENT,
             badge=lines_to_resolve)
register_supplier_page(_("结算单"), "settlement-statements", roles={Role.FINANCE, Role.OPERATOR}, order=70)
register_supplier_page(_("调账"), "settlement-adjustments", roles={Role.FINANCE, Role.OPERATOR}, order=80)
