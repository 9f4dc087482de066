"""The home page's panels of suppliers (imported by SuppliersConfig.ready): a supplier's gifts, and for everyone who
keeps stock the units on hand over two weeks (logistics its warehouses') and the records below their safety stock."""
from urllib.parse import urlencode

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.charts import bar_chart
from core.home import register_home_panel
from core.roles import SUPPLIER_ROLES, Role
from suppliers.models import Location
from suppliers.selectors import gift_counts, stock_movements_of, stock_of, supplier_standing
from suppliers.services import catalog

TREND_DAYS = 14


def gift_figures(user) -> dict:
    """The supplier's gifts online and approved not yet online, and its part of the operators' review queue: gifts
    submitted, and changes to gifts waiting for review."""
    submitted, changes = catalog.review_queue(actor=user)
    return gift_counts(user) | {"submitted": submitted.count(), "changes": changes.count()}


def stock_scope(user) -> str:
    """The kind of location whose stock the panel counts for the user, every figure of it and the pages it links to
    alike: logistics the warehouses (not the suppliers' own locations), everyone else every location they may see."""
    return Location.Kind.WAREHOUSE if user.role == Role.LOGISTICS else ""


def stock_figures(user) -> dict:
    """Units on hand today and over two weeks and the records below their safety stock, at the locations of the user's
    `stock_scope`, with the query that opens the stock and movement pages so narrowed."""
    kind = stock_scope(user)
    _movements, trend = stock_movements_of(user, today=timezone.localdate(), days=TREND_DAYS, location_kind=kind)
    return {
        "on_hand": trend[-1][1], "low": stock_of(user, location_kind=kind, low=True)[0].count(),
        "chart": bar_chart([(day, units) for day, units in trend], title=_("近两周在库数量"), columns=(_("日期"), _("在库数量（件）"))),
        "scope": urlencode({"location_kind": kind}) if kind else "",
    }


register_home_panel(gettext_lazy("合作状态"), "suppliers/home_standing.html", supplier_standing, roles=SUPPLIER_ROLES, order=10)
register_home_panel(gettext_lazy("我的礼品"), "suppliers/home_gifts.html", gift_figures, roles=SUPPLIER_ROLES, order=20)
register_home_panel(gettext_lazy("库存"), "suppliers/home_stock.html", stock_figures, roles={*SUPPLIER_ROLES, Role.LOGISTICS},
                    order=30, wide=True)
