"""The supplier portal's navigation under headings of what a supplier does there (imported by SuppliersConfig.ready).
Its pages come from every app, which registers each once for all the roles that open it (staff see them under their
own areas, `core.portal.NavGroup`); this is where they are laid out for the supplier. A page missing here still shows,
last, under no heading (tests/core/test_portal.py lists any)."""
from django.utils.translation import pgettext_lazy

from core.portal import NavGroup, register_menu
from core.roles import SUPPLIER_ROLES

SUPPLIER_MENU = [
    (NavGroup.GIFTS, ["supplier-gifts", "supplier-catalog-import", "operator-categories"]),
    (pgettext_lazy("nav group", "库存与物流"), [
        "supplier-stock", "supplier-inbound", "supplier-orders", "supplier-dropship", "logistics-bulk-ship", "logistics-returns",
        "logistics-goods-back",
        "logistics-extra-costs",
        "leftover-lots",
    ]),
    (NavGroup.SETTLEMENT, ["settlement-statements", "settlement-adjustments", "settlement-reconciliations"]),
    (pgettext_lazy("nav group", "服务与考核"), [
        "complaint-desk", "supplier-suggestions", "complaint-about-supplier", "settlement-cases", "settlement-re-evaluations", "settlement-assessments",
    ]),
    (pgettext_lazy("nav group", "企业资料"), ["supplier-profile", "supplier-team", "supplier-paperwork"]),
    (pgettext_lazy("nav group", "消息"), ["supplier-announcements", "supplier-notices"]),
]

register_menu(roles=SUPPLIER_ROLES, groups=SUPPLIER_MENU)
