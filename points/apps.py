from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PointsConfig(AppConfig):
    name = "points"
    verbose_name = _("积分与订单")

    def ready(self) -> None:
        from points import data_checks, home, nav_complaints, seed  # noqa: F401  (verify_data's ledger checks, home panels, navigation and beat tasks, demo data)
        from core.portal import NavGroup, register_nav, register_supplier_page
        from core.roles import STAFF_ROLES, Role
        from points.services.orders import orders_to_confirm

        register_nav(_("礼品目录"), "member-catalog", roles={Role.MEMBER}, order=10)
        register_nav(_("我的订单"), "member-orders", roles={Role.MEMBER}, order=20, badge=orders_to_confirm)
        register_nav(_("我的积分"), "member-points", roles={Role.MEMBER}, order=30)
        register_nav(_("我的短信"), "member-messages", roles={Role.MEMBER}, order=35)
        register_nav(_("兑换订单"), "operator-orders", roles=STAFF_ROLES, order=70,
                     group=NavGroup.ORDERS)
        register_supplier_page(pgettext_lazy("nav", "订单"), "operator-orders", roles={Role.OPERATOR, Role.FINANCE}, order=50)
        register_nav(_("积分发放"), "operator-points-credits", roles={Role.OPERATOR}, order=80, group=NavGroup.ORDERS)
        register_nav(_("会员查询"), "operator-members", roles={Role.OPERATOR}, order=81, group=NavGroup.ORDERS)
