"""Navigation entries of defective units going back to their supplier (imported by LogisticsConfig.ready): the badge
counts what waits for the reader (logistics: to send, again after an objection; a supplier: to confirm)."""
from django.utils.translation import gettext_lazy as _

from core.forms import WAITING_QUERY
from core.portal import NavGroup, register_nav
from core.roles import SUPPLIER_ROLES, Role
from logistics.services import goods_back

register_nav(_("退回货品"), "logistics-goods-back", roles=SUPPLIER_ROLES, order=41, badge=goods_back.goods_back_waiting, badge_query=WAITING_QUERY)
register_nav(_("退回礼品商"), "logistics-goods-back", roles={Role.OPERATOR, Role.LOGISTICS}, order=77, group=NavGroup.ORDERS,
             badge=goods_back.goods_back_waiting, badge_query=WAITING_QUERY)
