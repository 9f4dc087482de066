"""Portal pages of the supplier's stock (SPEC §4.3): stock by gift and location, its movements and their trend, the
safety stock, and a dropship supplier's own stock.

Each view parses its input, makes one service call and renders; the rules live in suppliers.services.inventory.
Every query starts from `visible_to(request.user)`, so another supplier's stock is a 404.
"""
from datetime import date, timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import F, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.api.permissions import require_role
from core.charts import bar_chart
from core.pages import act_with_form, page_status, paginate, posted_from, redirect_back, report_form_errors
from core.roles import SUPPLIER_ROLES
from suppliers.forms_catalog import MovementFilterForm, OwnStockCountForm, SafetyStockForm, StockFilterForm, WarehouseCountForm
from suppliers.models.inventory import below_safety_stock
from suppliers.models import Gift, Location, StockMovement, StockRecord
from suppliers.selectors import movements_of, stock_movements_of, stock_of
from suppliers.services import inventory
from suppliers.views_catalog import GIFT_READERS

RECENT_MOVEMENTS = 20
#: who opens the stock pages (stock, movements, replenishment requests): whom the API shows them, finance too, which
#: settles the consignment these pages account for (SPEC §4.3)
STOCK_READERS = StockRecord.visibility.readers


def stock_filters(request) -> StockFilterForm:
    return StockFilterForm(request.GET, supplier_id=own_supplier_id(request.user))


@login_required
def stock(request, *, refused: tuple[Gift | StockRecord, str, forms.Form] | None = None):
    """Stock by gift and location: a supplier its own (and counts its dropship stock), operators, logistics and finance
    every supplier's, with the safety stock operators and logistics set per warehouse (`refused`: (the gift of an
    own-stock row or the stock record of a row of the table, which of its forms, the form sent back with its errors next
    to its fields and the values entered))."""
    require_role(request.user, STOCK_READERS)
    filters = stock_filters(request)
    shared = {name: filters.values().get(name) for name in ("q", "location", "location_kind")}
    records, *others = stock_of(request.user, **filters.values())
    records = filters.apply(records)  # in the order asked: the movements and requests beside them keep theirs
    movements, requests = (rows if filters.is_valid() else rows.none() for rows in others)
    context = paginate(request, records, list_url=reverse("supplier-stock")) | {
        "filters": filters,
        "movements": movements[:RECENT_MOVEMENTS],
        # the full list of movements opens filtered as this page is
        "movements_query": urlencode({key: getattr(value, "pk", value) for key, value in shared.items() if value}),
        "recent": RECENT_MOVEMENTS,
        "requests": requests,
        "today": timezone.localdate(),
        "own_stock": _own_stock(request.user, refused) if request.user.role in SUPPLIER_ROLES else [],
        "sets_safety_stock": request.user.role in inventory.SAFETY_STOCK_SETTERS,
        "counts_stock": request.user.role in inventory.WAREHOUSE_COUNTERS,
        "opens_gifts": request.user.role in GIFT_READERS,
        "next_path": posted_from(request, reverse("supplier-stock")) if refused else "",
    }
    if context["sets_safety_stock"]:
        _add_safety_forms(request, context["page_obj"], refused)
    return render(request, "suppliers/catalog/stock.html", context, status=page_status(refused[1:]) if refused else filters.status)


def _add_safety_forms(request, records, refused: tuple[Gift | StockRecord, str, forms.Form] | None) -> None:
    """Each stock record of the page whose safety stock the user sets there (inventory.staff_sets_safety_stock_at:
    logistics at the warehouses only) with its safety-stock form, the others showing their figure read-only (the refused
    one as it was sent back; refused for a record no longer on the page or one the user may not set, its errors become
    messages)."""
    refused_shown = False
    for record in records:
        if not inventory.staff_sets_safety_stock_at(request.user.role, record.location):
            record.safety_form = None
            continue
        record.safety_form = SafetyStockForm(initial={"safety_stock": record.safety_stock}, auto_id=False)
        if refused and refused[0] == record:
            record.safety_form, refused_shown = refused[2], True
    if refused and isinstance(refused[0], StockRecord) and not refused_shown:
        report_form_errors(request, refused[2])


TREND_DAYS = 14  # the trend's days when the filter names none
TREND_MAX_DAYS = 180  # the most days the trend shows: a longer range shows its last 180


def trend_window(*, today: date, date_from: date | None = None, date_to: date | None = None, **_filters) -> tuple[date, int]:
    """The last day and the number of days of the stock trend for the movements' day filter: up to `date_to` (at most
    today), from `date_from`, or the TREND_DAYS days up to it; at most TREND_MAX_DAYS days."""
    until = min(date_to or today, today)
    days = (until - date_from).days + 1 if date_from and date_from <= until else TREND_DAYS
    return until, min(days, TREND_MAX_DAYS)


@login_required
def stock_movements(request):
    """Every stock movement the user may see, filtered and paginated, under the trend of units on hand for the same
    gifts and locations over the filter's days (by default the last two weeks; `trend_window`)."""
    require_role(request.user, STOCK_READERS)
    filters = MovementFilterForm(request.GET, supplier_id=own_supplier_id(request.user))
    today = timezone.localdate()
    until, days = trend_window(today=today, **filters.values())
    if filters.is_valid():
        listed, trend = stock_movements_of(request.user, today=today, days=days, until=until, **filters.values())
    else:  # neither the table nor the chart pretends to answer (core.forms.ListFilter)
        listed, trend = StockMovement.objects.none(), []
    title = _("%(first)s 至 %(last)s 每日在库数量") % {"first": f"{until - timedelta(days=days - 1):%Y-%m-%d}", "last": f"{until:%Y-%m-%d}"}
    context = paginate(request, filters.ordered(listed), per_page=50) | {
        "filters": filters, "opens_gifts": request.user.role in GIFT_READERS, "trend_title": title,
        "gift": filters.values().get("gift"),
        "chart": bar_chart([(day, units) for day, units in trend], title=title, columns=(_("日期"), _("在库数量（件）"))),
    }
    return render(request, "suppliers/catalog/stock_movements.html", context, status=filters.status)


def own_supplier_id(user) -> int | None:
    """A supplier user's supplier (whose own location its filters offer besides the warehouses), else None."""
    return user.supplier_id if user.role in SUPPLIER_ROLES else None


def _own_stock(user, refused: tuple[int, str, forms.Form] | None = None) -> list[Gift]:
    """The supplier's dropship gifts (not retired), each with the units available at its own location and the safety
    stock it set there, and its count and safety-stock forms (the refused one as it was sent back)."""
    gifts = list(Gift.objects.filter(supplier_id=user.supplier_id, fulfilment=Gift.Fulfilment.DROPSHIP)
                 .exclude(state=Gift.State.RETIRED).order_by("sku"))
    own = {gift_id: (units, safety) for gift_id, units, safety in StockRecord.objects.filter(gift__in=gifts, location__kind="dropship")
           .values_list("gift_id").annotate(units=Sum(F("on_hand") - F("reserved")), safety=Sum("safety_stock"))}
    for gift in gifts:
        gift.own_available, gift.own_safety_stock = own.get(gift.pk, (0, 0))
        gift.own_below_safety_stock = below_safety_stock(gift.own_available, gift.own_safety_stock)
        gift.count_form = OwnStockCountForm(initial={"available": gift.own_available, "counted_from": gift.own_available}, auto_id=False)
        gift.safety_form = SafetyStockForm(initial={"safety_stock": gift.own_safety_stock}, auto_id=False)
        if refused and refused[0] == gift:
            setattr(gift, refused[1], _shown_again(refused[2], gift.own_available))
    return gifts


def _shown_again(form: forms.Form, available: int) -> forms.Form:
    """A refused form of an own-stock row as the row shows it again, with its values; a count made from a figure that
    has changed since shows the new figure in place of the count entered, which was made from the old one, so that
    sending it again unchanged books nothing and a new count is made from the new figure."""
    if "counted_from" in form.fields and form.data.get("counted_from") != str(available):
        form.data = form.data.copy()
        form.data["counted_from"] = form.data["available"] = str(available)
    return form


@login_required
@require_POST
def safety_stock(request, pk: int):
    """Logistics or an operator sets the safety stock of one gift at one location (below it, a replenishment request)."""
    require_role(request.user, inventory.SAFETY_STOCK_SETTERS)
    record = get_object_or_404(StockRecord.objects.visible_to(request.user).select_related("gift", "location"), pk=pk)
    form = SafetyStockForm(request.POST, auto_id=False)
    if act_with_form(request, form, _set_safety_stock, gift=record.gift, location=record.location,
                     success=_("%(sku)s 安全库存已更新") % {"sku": record.gift.sku}):
        return redirect_back(request, reverse("supplier-stock"))
    return stock(request, refused=(record, "safety_form", form))


@login_required
def warehouse_count(request, pk: int):
    """Logistics staff count one gift's units on hand at a warehouse (GET: the form beside the record and its recent
    movements; POST: booked, back to the stock page; refused, the form again with the errors next to its fields)."""
    require_role(request.user, inventory.WAREHOUSE_COUNTERS)
    record = get_object_or_404(StockRecord.objects.visible_to(request.user).select_related("gift", "location")
                               .filter(location__kind=Location.Kind.WAREHOUSE), pk=pk)
    if request.method == "POST":
        form = WarehouseCountForm(request.POST)
        if act_with_form(request, form, inventory.count_warehouse_stock, record=record,
                         success=_("%(sku)s 盘点已记录") % {"sku": record.gift.sku}):
            return redirect("supplier-stock")
    else:
        form = WarehouseCountForm(initial={"on_hand": record.on_hand, "counted_from": record.on_hand})
    movements = movements_of(request.user, gift=record.gift, location=record.location)[:RECENT_MOVEMENTS]
    return render(request, "suppliers/catalog/warehouse_count.html", {"record": record, "form": form, "movements": movements},
                  status=page_status(("count", form)) if form.is_bound else 200)


def _set_safety_stock(*, now, **arguments):
    """inventory.set_safety_stock called as act_with_form calls a service (the time as `now`)."""
    return inventory.set_safety_stock(at=now, **arguments)


@login_required
@require_POST
def stock_count(request, pk: int):
    """A dropship supplier states how many units of one of its gifts it has ready to ship, and why."""
    return _own_stock_action(request, pk, inventory.count_own_stock, _("%(sku)s 自有库存已更新"), OwnStockCountForm, "count_form")


@login_required
@require_POST
def own_safety_stock(request, pk: int):
    """A dropship supplier sets the safety stock of one of its gifts at its own location (below it: a notice)."""
    return _own_stock_action(request, pk, inventory.set_own_safety_stock, _("%(sku)s 安全库存已更新"), SafetyStockForm, "safety_form")


def _own_stock_action(request, pk: int, service, success: str, form_class: type[forms.Form], form_name: str):
    """One service call on a supplier's own stock of one of its gifts (another supplier's: 404): done, back to the stock
    page with a message; refused, the stock page again with the errors next to the fields of the gift's row."""
    require_role(request.user, SUPPLIER_ROLES)
    gift = get_object_or_404(Gift.objects.visible_to(request.user), pk=pk)
    form = form_class(request.POST, auto_id=False)
    if act_with_form(request, form, service, gift=gift, success=success % {"sku": gift.sku}):
        return redirect("supplier-stock")
    return stock(request, refused=(gift, form_name, form))
