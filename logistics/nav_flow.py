"""Navigation entries of this area (imported by LogisticsConfig.ready)."""
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.forms import WAITING_QUERY
from core.portal import NavGroup, register_nav
from core.roles import SUPPLIER_ROLES, Role
from logistics.models import Shipment
from logistics.selectors import shipments_to_send, supplies_dropship
from logistics.services.inbound import inbound_waiting
from logistics.services.shipments import dropship_to_ship, handoff_waiting
from suppliers.services.inventory import source_links

register_nav(_("物流跟踪"), "member-shipments", roles={Role.MEMBER}, order=25)
register_nav(_("入库预报"), "supplier-inbound", roles=SUPPLIER_ROLES, order=35)
register_nav(pgettext_lazy("nav", "订单"), "supplier-orders", roles=SUPPLIER_ROLES, order=36)
# a supplier ships by itself only dropship gifts: a warehouse-only one is not shown these (their pages still answer it)
register_nav(_("直发订单"), "supplier-dropship", roles=SUPPLIER_ROLES, order=37, badge=dropship_to_ship, shown_to=supplies_dropship)
register_nav(_("批量发货"), "logistics-bulk-ship", roles=SUPPLIER_ROLES, order=38, shown_to=supplies_dropship)
# the badge counts the shipments still to receive or to put away: it opens the list filtered to just those (待我处理)
register_nav(_("入库收货"), "logistics-inbound", roles={Role.LOGISTICS, Role.OPERATOR}, order=71, group=NavGroup.ORDERS, badge=inbound_waiting,
             badge_query=WAITING_QUERY)
register_nav(_("交接批次"), "logistics-handoff", roles={Role.LOGISTICS, Role.OPERATOR}, order=72, group=NavGroup.ORDERS, badge=handoff_waiting)
# logistics' badge counts the warehouse parcels still to pick or ship, opening the list filtered to them (仅看未发出)
register_nav(_("运单"), "logistics-shipments", roles=Shipment.visibility.staff, order=73, group=NavGroup.ORDERS, badge=shipments_to_send,
             badge_query="unshipped=1")
register_nav(_("批量发货"), "logistics-bulk-ship", roles={Role.LOGISTICS}, order=74, group=NavGroup.ORDERS)


def _order_page(user, source_id: str, number: str) -> str | None:
    """Where a stock movement's order opens for the viewer: a supplier's order list or the staff's, found by number."""
    if user.role in SUPPLIER_ROLES:
        return f"{reverse('supplier-orders')}?{urlencode({'q': number})}"
    if user.role in {Role.OPERATOR, Role.LOGISTICS}:
        return f"{reverse('operator-orders')}?{urlencode({'q': number})}"
    return None


def _inbound_page(user, source_id: str, number: str) -> str | None:
    """Where a stock movement's inbound shipment opens for the viewer: the supplier's announcements or the staff's
    inbound list, found by its number."""
    if user.role in SUPPLIER_ROLES:
        return f"{reverse('supplier-inbound')}?{urlencode({'q': number})}"
    if user.role in {Role.OPERATOR, Role.LOGISTICS}:
        return f"{reverse('logistics-inbound')}?{urlencode({'q': number})}"
    return None


source_links["order"] = _order_page
source_links["inbound"] = _inbound_page
