"""Navigation entries of leftover gifts (imported by LogisticsConfig.ready), which also subscribes the GiftRetired
handler and registers the storage-fee beat task."""
from django.db.models import Value
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.portal import NavGroup, register_nav
from core.roles import SUPPLIER_ROLES, Role
from logistics import tasks_leftovers  # noqa: F401  (beat task registration)
from logistics.services import leftovers  # noqa: F401  (subscribes create_leftover_lots to GiftRetired)
from suppliers.services.inventory import source_links, source_numbers

register_nav(_("遗留礼品"), "leftover-lots", roles=SUPPLIER_ROLES, order=40)
# logistics' badge counts the lots kept past their collection deadline (charged storage daily), opening the list so filtered
register_nav(_("遗留礼品处理"), "leftover-lots", roles={Role.OPERATOR, Role.LOGISTICS, Role.FINANCE}, order=75,
             group=NavGroup.GIFTS, badge=leftovers.lots_past_deadline, badge_title=_("逾期未取回"), badge_query="overdue=1")


def _lot_page(user, source_id: str, number: str) -> str | None:
    """Where a stock movement's leftover lot opens for those who read leftover lots (another supplier's is a 404 there)."""
    if user.role in {Role.OPERATOR, Role.LOGISTICS, Role.FINANCE, *SUPPLIER_ROLES} and source_id.isdigit():
        return reverse("leftover-lot", args=[int(source_id)])
    return None


source_links["leftover_lot"] = _lot_page
source_numbers["leftover_lot"] = lambda: Value("")  # a lot has no number: its gift and warehouse are the movement's own
