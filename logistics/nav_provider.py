"""Navigation entries of this area (imported by LogisticsConfig.ready)."""
from django.utils.translation import gettext_lazy as _

from core.portal import NavGroup, register_nav
from logistics.api.provider import READERS, SENDERS
from logistics.services.carrier_events import events_stuck
from logistics.services.costs import TARIFF_HISTORY_READERS

register_nav(_("承运商事件"), "logistics-carrier-events", roles=READERS, order=85, group=NavGroup.ORDERS, badge=events_stuck)
register_nav(_("报告承运商事件"), "logistics-carrier-event-report", roles=SENDERS, order=86, group=NavGroup.ORDERS)
register_nav(_("费用标准"), "logistics-tariffs", roles=TARIFF_HISTORY_READERS, order=78, group=NavGroup.ORDERS)
