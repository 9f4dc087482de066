"""Navigation entries of rectification cases and re-evaluations (imported by SettlementConfig.ready)."""
from django.utils.translation import gettext_lazy as _

from core.portal import NavGroup, register_nav
from core.roles import SUPPLIER_ROLES, Role

register_nav(_("整改单"), "settlement-cases", roles={Role.OPERATOR, *SUPPLIER_ROLES}, order=93, group=NavGroup.SUPPLIERS)
register_nav(_("复评"), "settlement-re-evaluations", roles={Role.OPERATOR, *SUPPLIER_ROLES}, order=94, group=NavGroup.SUPPLIERS)
