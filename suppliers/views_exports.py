"""Downloads of supplier lists as filtered (core.exports): the stock page's stock by gift and location."""
from django.contrib.auth.decorators import login_required
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from core.api.permissions import require_role
from core.exports import Column, list_download
from suppliers.selectors import stock_of
from suppliers.views_catalog import STOCK_READERS, stock_filters

STOCK_COLUMNS = [
    Column("SKU", lambda r: r.gift.sku),
    Column(gettext_lazy("礼品"), lambda r: r.gift.name),
    Column(gettext_lazy("礼品商"), lambda r: r.gift.supplier.name),
    Column(gettext_lazy("库位"), lambda r: r.location.label),
    Column(gettext_lazy("在库"), lambda r: r.on_hand),
    Column(gettext_lazy("已占用"), lambda r: r.reserved),
    Column(gettext_lazy("可用"), lambda r: r.available),
    Column(gettext_lazy("安全库存"), lambda r: r.safety_stock),
    Column(gettext_lazy("低库存"), lambda r: gettext("低库存") if r.below_safety_stock else ""),
]


@login_required
def stock_export(request, file_format: str):
    """The stock list as filtered (search, location, low stock), every record of it, as CSV or XLSX."""
    require_role(request.user, STOCK_READERS)
    filters = stock_filters(request)
    records = stock_of(request.user, **filters.values())[0]
    return list_download(filters=filters, rows=records, columns=STOCK_COLUMNS, file_format=file_format, name="stock",
                         now=timezone.now(), narrowed=True)
