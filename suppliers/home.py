"""The home page's panels of suppliers (imported by SuppliersConfig.ready): a supplier's gifts, and for everyone who
keeps stock the units on hand over two weeks (logistics its warehouses') and the records below their safety stock."""
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.charts import bar_chart
from core.home import register_home_panel
from core.roles import SUPPLIER_ROLES, Role
from suppliers.models import Location, StockRecord
from suppliers.selectors import by_low_stock, gift_counts, stock_movements_of, supplier_standing

TREND_DAYS = 14


def stock_figures(user) -> dict:
    """Units on hand today and over two weeks (logistics: in the warehouses, not at suppliers' own locations), and the
    records below their safety stock."""
    warehouses_only = Location.Kind.WAREHOUSE if user.role == Role.LOGISTICS else ""
    _movements, trend = stock_movements_of(user, today=timezone.localdate(), days=TREND_DAYS, location_kind=warehouses_only)
    return {
        "on_hand": trend[-1][1], "low": by_low_stock(StockRecord.objects.visible_to(user), True).count(),
        "chart": bar_chart([(day, units) for day, units in trend], title=_("近两周在库数量"), columns=(_("日期"), _("在库数量（件）"))),
    }


register_home_panel(gettext_lazy("合作状态"), "suppliers/home_standing.html", supplier_standing, roles=SUPPLIER_ROLES, order=10)
register_home_panel(gettext_lazy("我的礼品"), "suppliers/home_gifts.html", gift_counts, roles=SUPPLIER_ROLES, order=20)
register_home_panel(gettext_lazy("库存"), "suppliers/home_stock.html", stock_figures, roles={*SUPPLIER_ROLES, Role.LOGISTICS},
                    order=30, wide=True)
