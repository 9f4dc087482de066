"""Portal pages of the goods flow (SPEC §4.6): inbound receipt, handoff batches and shipments for logistics;
inbound announcements and dropship shipping for suppliers; shipment tracking and receipt for members.

Each view parses its input, makes one service call and renders; the rules live in logistics.services. Every
lookup starts from `visible_to(request.user)`, so another tenant's row is a 404. Contact data is masked except
on a shipment's page for someone who must act on it, and that read is logged.
"""
import uuid
from collections.abc import Callable
from functools import partial

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from core.api.permissions import require_role
from core.errors import DomainError, PermissionDenied
from core.fsm import history_of, note_latest_changes
from core.pages import (
    PageAction, act_with_form, action_forms, create_with_form, form_status, named_step, page_status, paginate, posted_from, redirect_back,
    run_action, state_reached, step_from_page,
)
from core.roles import OPERATORS, STAFF_ROLES, SUPPLIER_ROLES, Role, has_role
from core.services import log_personal_data_access
from core.validators import id_or_none
from logistics.forms_flow import (
    ANNOUNCE_FIELDS,
    AnnounceForm,
    CorrectTrackingForm,
    DeliverForm,
    FailForm,
    HandoffFilterForm,
    InboundFilterForm,
    NoInput,
    OrderFilterForm,
    PutAwayForm,
    ReceiveForm,
    ShipForm,
    ShipmentFilterForm,
    WithdrawInboundForm,
)
from logistics.models import InboundShipment, ReturnRequest, Shipment
from logistics.selectors import (
    failed_awaiting_decision, get_lost_parcel_claim, list_open_replenishments, list_supplier_orders, with_latest_shipment,
)
from logistics.services import bulk_shipping, inbound, shipments
from logistics.services.ship_by import ship_by
from points.selectors import with_booking
from suppliers.models import ReplenishmentRequest, Supplier

LOGISTICS = frozenset({Role.LOGISTICS})
FLOW_STAFF = frozenset({Role.LOGISTICS, Role.OPERATOR})
#: who opens the shipments list, and with a supplier's users (each its own) a shipment's page: the staff the API shows
#: shipments to (core.tenancy.Visibility); members follow theirs on their own page
SHIPMENT_STAFF = Shipment.visibility.staff
MEMBER = frozenset({Role.MEMBER})


INBOUND_ACTIONS = {
    "receive": PageAction(gettext_lazy("收货"), inbound.receive_inbound, ReceiveForm),
    "put_away": PageAction(gettext_lazy("上架"), inbound.put_away_inbound, PutAwayForm),
    "withdraw": PageAction(gettext_lazy("撤回预报"), inbound.withdraw_inbound, WithdrawInboundForm, "danger"),
}
# the warehouse receives and puts away; the supplier withdraws its own announcement
INBOUND_ROLES = {"receive": LOGISTICS, "put_away": LOGISTICS, "withdraw": SUPPLIER_ROLES}
SHIPMENT_ACTIONS = {
    "pick": PageAction(gettext_lazy("拣货"), shipments.pick_shipment, NoInput),
    "ship": PageAction(gettext_lazy("发货"), shipments.ship_shipment, ShipForm),
    "correct_tracking": PageAction(gettext_lazy("更正运单号"), shipments.correct_tracking, CorrectTrackingForm, "secondary"),
    "deliver": PageAction(gettext_lazy("签收"), shipments.deliver_shipment, DeliverForm),
    "fail": PageAction(gettext_lazy("配送失败"), shipments.fail_shipment, FailForm, "danger"),
}
#: the step logistics takes on each row of the shipments list, with no input to give; the others on a shipment's page
LISTED_SHIPMENT_ACTIONS = {"pick": SHIPMENT_ACTIONS["pick"]}


def _offered(request, obj, table: dict[str, PageAction], allowed: Callable[[str], bool], *,
             refused: tuple[str, forms.Form] | None = None) -> list[tuple[str, PageAction, forms.Form]]:
    """(name, action, form) of each action the object's state allows and `allowed(name)` admits (see action_forms)."""
    available = {t.name for t in obj.get_available_state_transitions()}
    offered = [(name, action) for name, action in table.items() if name in available and allowed(name)]
    return action_forms(request, offered, refused=refused)


# inbound: logistics receives and puts away

@login_required
def inbound_list(request):
    require_role(request.user, FLOW_STAFF)
    filters, rows = listed_inbound(request)
    context = paginate(request, filters.apply(rows))
    note_latest_changes(context["page_obj"])  # what each row's action forms saw
    for row in context["page_obj"]:
        row.actions = _offered(request, row, INBOUND_ACTIONS, partial(_may_act_on_inbound, request.user))
    return render(request, "logistics/flow/inbound_list.html", context | {"filters": filters}, status=filters.status)


def listed_inbound(request):
    """The inbound list's filter form and the inbound shipments the user may see, before the form's filters: the page
    and its download list the same rows."""
    return InboundFilterForm(request.GET, reader=request.user), _inbound_rows(request)


def _may_act_on_inbound(user, name: str) -> bool:
    return user.role in INBOUND_ROLES[name]


def _inbound_rows(request):
    return InboundShipment.objects.visible_to(request.user).select_related("supplier", "gift", "location")


@login_required
def inbound_detail(request, pk: int, *, refused: tuple[str, forms.Form] | None = None):
    """An inbound shipment with its counts, the units that went into stock, the extra costs raised for it that the
    reader may see (its damaged units' handling fee) and its history (who received it and put it away, when, why)."""
    require_role(request.user, FLOW_STAFF | SUPPLIER_ROLES)
    row = get_object_or_404(_inbound_rows(request), pk=pk)
    context = {
        "row": row, "history": history_of(row), "shelved": inbound.shelved_quantity(row),
        "costs": inbound.inbound_costs(inbound=row, user=request.user),
        "actions": _offered(request, row, INBOUND_ACTIONS, partial(_may_act_on_inbound, request.user), refused=refused),
        "next_path": posted_from(request, reverse("logistics-inbound-detail", args=[row.pk])) if refused else "",
        "back": reverse("supplier-inbound" if request.user.role in SUPPLIER_ROLES else "logistics-inbound"),
    }
    return render(request, "logistics/flow/inbound_detail.html", context, status=page_status(refused))


@login_required
@require_POST
def inbound_action(request, pk: int, name: str):
    action = named_step(INBOUND_ACTIONS, name)
    row = get_object_or_404(_inbound_rows(request), pk=pk)
    require_role(request.user, INBOUND_ROLES[name])
    form = action.form(request.POST)
    if act_with_form(request, form, action.service, inbound=row, transition=name, success=lambda: state_reached(row, row.number)):
        return redirect_back(request, reverse("logistics-inbound-detail", args=[row.pk]))
    if page_status((name, form)) == 400:  # the row it was sent from named, as the list has many
        form.add_error(None, _("入库单 %(number)s（%(sku)s %(gift)s）未处理，请更正标出的数据") % {
            "number": row.number, "sku": row.gift.sku, "gift": row.gift.name})
    return inbound_detail(request, pk, refused=(name, form))


# inbound: the supplier announces

@login_required
def supplier_inbound(request):
    require_role(request.user, SUPPLIER_ROLES)
    form = AnnounceForm(request.POST or None, user=request.user, initial=_initial_from_request(request))
    if request.method == "POST" and form.is_valid():
        supplier = get_object_or_404(Supplier.objects.visible_to(request.user), pk=request.user.supplier_id)
        if create_with_form(
            request, form, "announce", partial(inbound.announce_inbound, supplier=supplier), values=form.values, aliases=ANNOUNCE_FIELDS,
            success=lambda pk: _("已预报入库：%(number)s") % {"number": InboundShipment.objects.get(pk=pk).number}, page="logistics-inbound-detail",
        ):
            return redirect("supplier-inbound")
    filters = InboundFilterForm(request.GET, reader=request.user)
    rows = filters.apply(InboundShipment.objects.visible_to(request.user).select_related("gift", "location"))
    context = paginate(request, rows) | {
        "form": form, "filters": filters, "requests": list_open_replenishments(actor=request.user), "today": timezone.localdate(),
    }
    return render(request, "logistics/flow/supplier_inbound.html", context, status=form_status(form, filters.status))


def _initial_from_request(request) -> dict:
    """Prefill the announcement from ?replenishment=<id>, one of the supplier's open requests."""
    request_id = id_or_none(request.GET.get("replenishment"))
    replenishment = ReplenishmentRequest.objects.visible_to(request.user).filter(
        pk=request_id, state=ReplenishmentRequest.State.OPEN
    ).first() if request_id else None
    if replenishment is None:
        return {}
    return {"gift": replenishment.gift_id, "location": replenishment.location_id, "quantity": replenishment.quantity,
            "replenishment_request": replenishment.pk, "expected_on": replenishment.due_date}


# handoff batches

@login_required
def handoff(request):
    require_role(request.user, FLOW_STAFF)
    if request.method == "POST":
        try:
            batch = shipments.hand_over_warehouse_orders(key=request.POST.get("key", ""), actor=request.user, now=timezone.now())
        except DomainError as error:
            messages.error(request, error.detail)
        else:
            count = batch.items.count()
            messages.success(request, ngettext("交接批次 %(number)s：%(count)d 个订单", "交接批次 %(number)s：%(count)d 个订单", count)
                             % {"number": batch.number, "count": count})
        return redirect("logistics-handoff")
    filters = HandoffFilterForm(request.GET)
    batches = filters.apply(shipments.handoff_batches(request.user))
    waiting = shipments.awaiting_handoff().count()
    # a fresh key per page view: a double-submitted form hands over once
    context = paginate(request, batches) | {"waiting": waiting, "key": uuid.uuid4().hex, "filters": filters}
    return render(request, "logistics/flow/handoff.html", context, status=filters.status)


# shipments

def _shipments(request):
    return Shipment.objects.visible_to(request.user).select_related("order__gift", "order__location", "supplier")


def listed_shipments(request, *, now):
    """The staff's shipments list's filter form and the shipments they may see, before the form's filters: the page and
    its download list the same rows."""
    return ShipmentFilterForm(request.GET, now=now, reader=request.user), _shipments(request)


def _shipment_table(request, *, title: str, filters: ShipmentFilterForm, rows, now, dropship_only: bool = False, export: str = "",
                    with_actions: bool = False):
    """A page of shipments (`export`: the name of its download, if any); the contact of those the reader may read
    unmasked shows in full (logged), the rest masked. `with_actions`: logistics staff pick each row from the list."""
    context = paginate(request, filters.apply(rows)) | {"filters": filters, "title": title, "with_ship_by": dropship_only,
                                                         "ships_by_file": bulk_shipping.ships_by_file(request.user), "export": export,
                                                         "with_actions": with_actions and has_role(request.user, LOGISTICS)}
    if context["with_actions"]:
        _add_row_actions(request, context["page_obj"])
    if dropship_only:  # the supplier ships from this list: it needs the addresses of the parcels it may read, and when to ship them
        context["page_obj"].object_list = shipments.reveal_contacts(user=request.user, shipments=context["page_obj"], now=now,
                                                                    purpose="dropship_list")
        for shipment in context["page_obj"]:
            _with_ship_by(shipment, now=now)
    return render(request, "logistics/flow/shipment_list.html", context, status=filters.status)


def _add_row_actions(request, page) -> None:
    """Each shipment of the page with the list's actions its state allows and the user may take on it by hand."""
    note_latest_changes(page)  # what each row's action forms saw
    for shipment in page:
        shipment.actions = _offered(request, shipment, LISTED_SHIPMENT_ACTIONS, partial(_may_drive, request.user, shipment))


def _may_drive(user, shipment: Shipment, name: str) -> bool:
    return shipments.may_drive_by_hand(user=user, shipment=shipment, action=name)


def _with_ship_by(shipment: Shipment, *, now) -> Shipment:
    """The shipment with `ship_by` (see ship_by.ship_by; None unless a dropship parcel still to ship) and `overdue`."""
    shipment.ship_by = ship_by(shipment)
    shipment.overdue = shipment.ship_by is not None and shipment.ship_by < now
    return shipment


@login_required
def shipment_list(request):
    require_role(request.user, SHIPMENT_STAFF)
    now = timezone.now()
    filters, rows = listed_shipments(request, now=now)
    return _shipment_table(request, title=_("运单"), filters=filters, rows=rows, now=now, export="logistics-shipments-export",
                           with_actions=True)


@login_required
def dropship_list(request):
    require_role(request.user, SUPPLIER_ROLES)
    now = timezone.now()
    filters = ShipmentFilterForm(request.GET, with_kind=False, dropship_only=True, now=now)
    rows = _shipments(request).filter(kind=Shipment.Kind.DROPSHIP)
    return _shipment_table(request, title=_("直发订单"), filters=filters, rows=rows, now=now, dropship_only=True)


@login_required
def supplier_orders(request):
    """The supplier's orders of both fulfilments, each linking to its shipment, with its settlement amount, the time its
    delivery is booked by (记账时间, what the statement counts) and the statement booking it; contact data masked (it
    shows on the shipment's page to whoever must act on it)."""
    require_role(request.user, SUPPLIER_ROLES)
    filters = OrderFilterForm(request.GET)
    context = paginate(request, filters.apply(list_supplier_orders(actor=request.user))) | {"filters": filters}
    context["page_obj"].object_list = with_booking(with_latest_shipment(context["page_obj"].object_list), user=request.user)
    return render(request, "logistics/flow/supplier_orders.html", context, status=filters.status)


@login_required
def shipment_detail(request, pk: int, *, refused: tuple[str, forms.Form] | None = None):
    require_role(request.user, SHIPMENT_STAFF | SUPPLIER_ROLES)
    shipment = get_object_or_404(_shipments(request), pk=pk)
    now = timezone.now()
    unmasked = shipments.may_see_parcel_contact(user=request.user, shipment=shipment, now=now)
    if unmasked:
        log_personal_data_access(actor=request.user, subject=shipment.order, fields=shipments.CONTACT_FIELDS, purpose="shipment", at=now)
    context = {
        "shipment": _with_ship_by(shipment, now=now), "order": shipment.order, "unmasked": unmasked, "history": history_of(shipment),
        "signer": shipments.signer_shown(shipment, unmasked=unmasked),
        "actions": _offered(request, shipment, SHIPMENT_ACTIONS, partial(_may_drive, request.user, shipment), refused=refused),
        "next_path": posted_from(request, reverse("logistics-shipment", args=[shipment.pk])) if refused
        else reverse("logistics-shipment", args=[shipment.pk]),
        "back": _shipment_list_of(request.user, shipment),
        **_parcel_links(request.user, shipment),
    }
    return render(request, "logistics/flow/shipment_detail.html", context, status=page_status(refused))


def _parcel_links(user, shipment: Shipment) -> dict:
    """Where the parcel's reader goes on from it: staff to its order's page, where an operator decides what follows a
    failed delivery (`decision_waits`), and anyone who may read it to the return a replacement or refused goods belong
    to, and staff to the claim of a parcel reported lost (where its report is withdrawn when it turns up delivered);
    nothing a reader may not open."""
    return_pk = shipment.replacement_for_id or shipment.send_back_for_id
    return {
        "lost_claim": get_lost_parcel_claim(user=user, shipment=shipment),
        "order_url": reverse("operator-order", args=[shipment.order_id]) if has_role(user, STAFF_ROLES) else "",
        "decision_waits": has_role(user, OPERATORS) and Shipment.objects.filter(failed_awaiting_decision(), pk=shipment.pk).exists(),
        "return_request": ReturnRequest.objects.visible_to(user).filter(pk=return_pk).only("pk", "number").first() if return_pk else None,
    }


def _shipment_list_of(user, shipment: Shipment) -> str:
    """The list a reader reaches the shipment from: staff their shipments, a supplier its dropship orders or (a warehouse
    parcel) its orders."""
    if user.role not in SUPPLIER_ROLES:
        return reverse("logistics-shipments")
    return reverse("supplier-dropship" if shipment.kind == Shipment.Kind.DROPSHIP else "supplier-orders")


@login_required
@require_POST
def shipment_action(request, pk: int, name: str):
    action = named_step(SHIPMENT_ACTIONS, name)
    shipment = get_object_or_404(_shipments(request), pk=pk)
    if not shipments.may_drive_by_hand(user=request.user, shipment=shipment, action=name):
        raise PermissionDenied()
    return step_from_page(request, action.form(request.POST), action.service, shipment=shipment, step=name, named=shipment.order.number,
                          back=reverse("logistics-shipment", args=[shipment.pk]), again=partial(shipment_detail, request, pk))


# the member's shipments

@login_required
def member_shipments(request):
    require_role(request.user, MEMBER)
    filters = ShipmentFilterForm(request.GET, with_kind=False)
    rows = filters.apply(Shipment.objects.visible_to(request.user).select_related("order__gift"))
    return render(request, "logistics/flow/member_shipments.html", paginate(request, rows) | {"filters": filters}, status=filters.status)


@login_required
@require_POST
def member_confirm_receipt(request, pk: int):
    require_role(request.user, MEMBER)
    shipment = get_object_or_404(Shipment.objects.visible_to(request.user).select_related("order"), pk=pk)
    call = partial(shipments.confirm_shipment_receipt, shipment=shipment, actor=request.user, now=timezone.now())
    run_action(request, call, success=_("已确认收货：%(order)s") % {"order": shipment.order.number})
    return redirect_back(request, reverse("member-shipments"))  # the tracking list, or the order page it was pressed on
