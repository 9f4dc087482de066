"""Navigation entries of announcements (imported by SuppliersConfig.ready); the supplier's shows the unread count."""
from django.utils.translation import gettext_lazy as _

from core.portal import NavGroup, register_nav
from core.roles import SUPPLIER_ROLES, Role
from suppliers.services.announcements import unread_count

register_nav(_("公告"), "supplier-announcements", roles=SUPPLIER_ROLES, order=89, badge=unread_count, badge_title=_("未读"))
register_nav(_("公告管理"), "operator-announcements", roles={Role.OPERATOR}, order=89, group=NavGroup.SUPPLIERS)
