"""Navigation entries of this area (imported by LogisticsConfig.ready).

Importing the returns services here also registers their completion guard: an order with an open return
does not complete (points.services.orders.completion_guards).
"""
from django.utils.translation import gettext_lazy as _

from core.portal import NavGroup, register_nav, register_supplier_page
from core.roles import SUPPLIER_ROLES, Role
from logistics.services import returns  # registers the completion guard too

register_nav(_("退换货"), "member-returns", roles={Role.MEMBER}, order=27)
register_nav(_("退换货"), "logistics-returns", roles={Role.OPERATOR, Role.LOGISTICS, *SUPPLIER_ROLES}, order=77,
             group=NavGroup.ORDERS, badge=returns.returns_waiting)
register_nav(
    _("额外费用"), "logistics-extra-costs", roles={Role.OPERATOR, Role.LOGISTICS, Role.FINANCE, *SUPPLIER_ROLES}, order=78,
    group=NavGroup.ORDERS,
)
register_nav(_("物流索赔"), "logistics-claims", roles={Role.FINANCE, Role.OPERATOR, Role.LOGISTICS}, order=79, group=NavGroup.ORDERS)
register_supplier_page(_("额外费用"), "logistics-extra-costs", roles={Role.OPERATOR, Role.FINANCE}, order=90)
register_supplier_page(_("物流索赔"), "logistics-claims", roles={Role.FINANCE, Role.OPERATOR}, order=100)
