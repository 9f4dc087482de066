"""Downloads of supplier lists as filtered (core.exports): the stock page's stock by gift and location, and the stock
movements."""
from django.contrib.auth.decorators import login_required
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from core.api.permissions import require_role
from core.exports import Column, label, list_download, moment
from suppliers.forms_catalog import MovementFilterForm
from suppliers.selectors import movements_of, stock_of
from suppliers.views_stock import STOCK_READERS, own_supplier_id, stock_filters

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


#: the stock movements' download: the columns of the list, with the gift's SKU and supplier
MOVEMENT_COLUMNS = [
    Column(gettext_lazy("时间"), lambda m: moment(m.at)),
    Column("SKU", lambda m: m.gift.sku),
    Column(gettext_lazy("礼品"), lambda m: m.gift.name),
    Column(gettext_lazy("礼品商"), lambda m: m.gift.supplier.name),
    Column(gettext_lazy("库位"), lambda m: m.location.label),
    label(gettext_lazy("类型"), "kind"),
    Column(gettext_lazy("在库变化"), lambda m: m.on_hand_delta),
    Column(gettext_lazy("占用变化"), lambda m: m.reserved_delta),
    Column(gettext_lazy("来源"), lambda m: f"{m.source_label} {m.source_number}".strip() if m.source_type else ""),
    Column(gettext_lazy("备注"), lambda m: m.note_label),
]


@login_required
def movement_export(request, file_format: str):
    """The stock movements as filtered (search, location, type, days), every movement of it, as CSV or XLSX."""
    require_role(request.user, STOCK_READERS)
    filters = MovementFilterForm(request.GET, supplier_id=own_supplier_id(request.user))
    movements = movements_of(request.user, **filters.values()).select_related("gift__supplier")
    return list_download(filters=filters, rows=movements, columns=MOVEMENT_COLUMNS, file_format=file_format,
                         name="stock-movements", now=timezone.now(), narrowed=True)
