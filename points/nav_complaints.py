"""Navigation entries of complaints and suggestions (imported by PointsConfig.ready, which also registers the beat tasks)."""
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.forms import WAITING_QUERY
from core.portal import NavGroup, register_nav, register_supplier_page
from core.roles import SUPPLIER_ROLES, Role
from points import tasks_complaints  # noqa: F401  (beat task registration)
from points.services.complaints import PUBLIC_OPENERS, answers_to_confirm, complaints_waiting

register_nav(_("我的投诉"), "member-complaints", roles={Role.MEMBER}, order=28, badge=answers_to_confirm,
             badge_title=_("已答复，待您确认"), badge_query=WAITING_QUERY)  # 待我确认
register_nav(_("投诉处理"), "complaint-desk", roles={Role.OPERATOR, Role.LOGISTICS, *SUPPLIER_ROLES}, order=86,
             group=NavGroup.SERVICE, badge=complaints_waiting, badge_query=WAITING_QUERY)  # 待我处理
register_nav(_("投诉礼品商"), "complaint-about-supplier", roles=PUBLIC_OPENERS, order=88,
             group=NavGroup.SERVICE)
register_nav(_("我的建议"), "supplier-suggestions", roles=SUPPLIER_ROLES, order=87)
register_supplier_page(pgettext_lazy("nav", "投诉"), "complaint-desk", roles={Role.OPERATOR}, order=60)
