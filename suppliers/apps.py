from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.text import format_lazy
from django.utils.translation import pgettext_lazy


class SuppliersConfig(AppConfig):
    name = "suppliers"
    verbose_name = _("礼品商")

    def ready(self) -> None:
        from suppliers import seed, seed_qualifications, tasks_profile  # noqa: F401  (demo data steps; beat task registration)
        from suppliers import nav_announcements, seed_announcements  # noqa: F401  (announcements: navigation, demo data)
        from suppliers import nav_menu  # noqa: F401  (the supplier's navigation under its headings)
        from suppliers import home  # noqa: F401  (the home page's panels)
        from suppliers import checks, data_checks  # noqa: F401  (configuration checks; verify_data's stock check)
        from core.login import explain_refused_login
        from core.portal import NavGroup, register_nav, register_supplier_page
        from core.roles import SUPPLIER_REVIEWERS, SUPPLIER_ROLES, Role
        from suppliers.models import Notice, Qualification
        from suppliers.views_catalog import GIFT_STAFF
        from suppliers.views_stock import STOCK_READERS
        from suppliers.views import SUPPLIER_READERS
        from suppliers.views_categories import CATEGORY_READERS
        from suppliers.selectors import application_standing, disabled_standing
        from suppliers.services.catalog import reviews_waiting
        from suppliers.services.contracts import contracts_waiting
        from suppliers.services.notices import unread_notices
        from suppliers.services.profile import bank_account_missing, changes_waiting
        from suppliers.models.contracts import BANK_ACCOUNT_WAITING_DAYS
        from suppliers.services.qualifications import qualifications_waiting
        from suppliers.services.onboarding import AWAITING_DECISION, applications_waiting

        explain_refused_login(disabled_standing)  # first: an account its admin disabled says so, whatever its supplier's state
        explain_refused_login(application_standing)
        register_nav(pgettext_lazy("nav", "礼品商管理"), "operator-suppliers", roles=SUPPLIER_READERS, order=10,
                     group=NavGroup.SUPPLIERS, badge=applications_waiting, badge_query=f"state={AWAITING_DECISION}")
        register_nav(_("礼品审核"), "operator-gift-review", roles={Role.OPERATOR}, order=20, group=NavGroup.GIFTS, badge=reviews_waiting)
        register_nav(pgettext_lazy("nav", "礼品管理"), "operator-gifts", roles=GIFT_STAFF, order=30, group=NavGroup.GIFTS)
        register_nav(_("礼品类别"), "operator-categories", roles=CATEGORY_READERS, order=31, group=NavGroup.GIFTS)
        register_nav(_("我的礼品"), "supplier-gifts", roles=SUPPLIER_ROLES, order=20)
        register_nav(_("礼品导入导出"), "supplier-catalog-import", roles=SUPPLIER_ROLES, order=25)
        register_nav(_("库存"), "supplier-stock", roles=STOCK_READERS, order=30, group=NavGroup.ORDERS)
        register_nav(_("合同审核"), "operator-contracts", roles=SUPPLIER_REVIEWERS, order=40, group=NavGroup.SUPPLIERS,
                     badge=contracts_waiting)
        register_nav(_("资料变更审核"), "operator-profile-changes", roles=SUPPLIER_REVIEWERS, order=50,
                     group=NavGroup.SUPPLIERS, badge=changes_waiting)
        register_nav(_("资质审核"), "operator-qualifications", roles=Qualification.visibility.staff, order=60, group=NavGroup.SUPPLIERS,
                     badge=qualifications_waiting)
        register_supplier_page(_("合同"), "operator-contracts", roles=SUPPLIER_REVIEWERS, order=10)
        register_supplier_page(_("资质"), "operator-qualifications", roles=Qualification.visibility.staff, order=20)
        register_supplier_page(_("礼品"), "operator-gifts", roles=GIFT_STAFF, order=30)
        register_nav(_("资料信息"), "supplier-profile", roles=SUPPLIER_ROLES, order=60, badge=bank_account_missing,
                     badge_title=format_lazy(_("请添加收款账户（审核通过 {days} 天后方可用于结算付款）"), days=BANK_ACCOUNT_WAITING_DAYS))
        register_nav(_("团队成员"), "supplier-team", roles={Role.SUPPLIER_ADMIN}, order=65)
        register_nav(_("合同与资质"), "supplier-paperwork", roles=SUPPLIER_ROLES, order=70)
        register_nav(_("站内通知"), "supplier-notices", roles=SUPPLIER_ROLES, order=90, badge=unread_notices, badge_title=_("未读"))
        # operators read every supplier's inbox (the notices sent to suppliers), each notice naming its supplier
        register_nav(_("礼品商通知"), "supplier-notices", roles=Notice.visibility.staff, order=90, group=NavGroup.SUPPLIERS)
