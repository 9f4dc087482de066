from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliersConfig(AppConfig):
    name = "suppliers"
    verbose_name = _("礼品商")

    def ready(self) -> None:
        from suppliers import seed  # noqa: F401
        from core.portal import register_nav
        from core.roles import SUPPLIER_ROLES, Role

        register_nav(_("礼品商管理"), "operator-suppliers", roles={Role.OPERATOR, Role.FINANCE, Role.LOGISTICS}, order=10)
        register_nav(_("站内通知"), "supplier-notices", roles=SUPPLIER_ROLES, order=90)
