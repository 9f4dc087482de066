"""Navigation entries of rectification cases and re-evaluations (imported by SettlementConfig.ready)."""
from django.utils.translation import gettext_lazy as _

from core.portal import NavGroup, register_nav, register_supplier_page
from settlement.models import ReEvaluation, RectificationCase
from settlement.services.cases import cases_waiting
from settlement.services.re_evaluation import re_evaluations_waiting

register_nav(_("整改单"), "settlement-cases", roles=RectificationCase.visibility.readers, order=93, group=NavGroup.SUPPLIERS,
             badge=cases_waiting)
register_nav(_("复评"), "settlement-re-evaluations", roles=ReEvaluation.visibility.readers, order=94, group=NavGroup.SUPPLIERS,
             badge=re_evaluations_waiting)
register_supplier_page(_("整改单"), "settlement-cases", roles=RectificationCase.visibility.staff, order=40)
