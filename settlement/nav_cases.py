"""Navigation entries of rectification cases and re-evaluations (imported by SettlementConfig.ready)."""
from django.utils.translation import gettext_lazy as _

from core.portal import NavGroup, register_nav, register_supplier_page
from core.roles import SUPPLIER_ROLES, Role
from settlement.services.cases import cases_waiting
from settlement.services.re_evaluation import re_evaluations_waiting

register_nav(_("整改单"), "settlement-cases", roles={Role.OPERATOR, *SUPPLIER_ROLES}, order=93, group=NavGroup.SUPPLIERS,
             badge=cases_waiting)
register_nav(_("复评"), "settlement-re-evaluations", roles={Role.OPERATOR, *SUPPLIER_ROLES}, order=94, group=NavGroup.SUPPLIERS,
             badge=re_evaluations_waiting)
register_supplier_page(_("整改单"), "settlement-cases", roles={Role.OPERATOR}, order=40)
