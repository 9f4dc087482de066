"""Navigation entries of leftover gifts (imported by LogisticsConfig.ready), which also subscribes the GiftRetired
handler and registers the storage-fee beat task."""
from django.utils.translation import gettext_lazy as _

from core.portal import NavGroup, register_nav
from core.roles import SUPPLIER_ROLES, Role
from logistics import tasks_leftovers  # noqa: F401  (beat task registration)
from logistics.services import leftovers  # noqa: F401  (subscribes create_leftover_lots to GiftRetired)

register_nav(_("遗留礼品"), "leftover-lots", roles=SUPPLIER_ROLES, order=40)
register_nav(_("遗留礼品处理"), "leftover-lots", roles={Role.OPERATOR, Role.LOGISTICS, Role.FINANCE}, order=75,
             group=NavGroup.GIFTS)
