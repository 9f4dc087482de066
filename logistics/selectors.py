"""Reads of the goods flow, scoped by the actor."""
from datetime import date, timedelta

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Replace

from core.days import day_start
from core.roles import STAFF_ROLES, Role, has_role, waiting_for
from core.selectors import answering, rows_by_id
from core.validators import folded
from logistics.carriers import tracking_key, tracking_search_key
from logistics.models import CarrierEvent, GoodsBack, InboundShipment, LogisticsClaim, ReturnRequest, Shipment
from logistics.models.returns import resolved_units
from logistics.models.shipments import COUNTED_STATES, ORDER_OWN_PARCELS, WAITING_STATES
from logistics.services.shipments import kinds_shipped_by
from points.models import RedemptionOrder
from suppliers.models import Gift, ReplenishmentRequest, Supplier

NEWEST_FIRST = ("-placed_at", "-id")  # the order lists' order, an index's (RedemptionOrder.Meta.indexes)


def supplies_dropship(user) -> bool:
    """Whether the user is a supplier's whose supplier ships gifts itself: one of its gifts is dropship, or it has
    dropship shipments (a gift dropship once, fulfilled by warehouse since, SPEC §4.2); one query, none for anyone else.
    Its dropship pages' navigation entries are shown on it (`logistics.nav_flow`)."""
    if user.supplier_id is None:
        return False
    gifts = Gift.objects.filter(supplier_id=OuterRef("pk"), fulfilment=Gift.Fulfilment.DROPSHIP)
    shipments = Shipment.objects.filter(supplier_id=OuterRef("pk"), kind=Shipment.Kind.DROPSHIP)
    return Supplier.objects.filter(Q(Exists(gifts)) | Q(Exists(shipments)), pk=user.supplier_id).exists()


def list_supplier_orders(*, actor) -> QuerySet[RedemptionOrder]:
    """The orders the actor may see, newest first (an index's order: a page of them is chosen on the index alone). Show
    a page of them through `with_latest_shipment`."""
    return RedemptionOrder.objects.visible_to(actor).order_by(*NEWEST_FIRST)


def with_latest_shipment(page: QuerySet[RedemptionOrder]) -> QuerySet[RedemptionOrder]:
    """The orders of `page` (a slice of `list_supplier_orders`, filtered or not), in its order, each with its gift and
    `shipment_id`: its own latest shipment (not a return's parcel) or None, in one query whatever the page's size.

    The page's orders are chosen by their ids first (`core.selectors.rows_by_id`), so the latest shipment is looked up
    for those orders only, not for every order the OFFSET skips too (docs/benchmarks.md)."""
    latest = Shipment.objects.filter(ORDER_OWN_PARCELS, order=OuterRef("pk")).order_by("-created_at", "-id")
    return rows_by_id(page).select_related("gift").annotate(shipment_id=Subquery(latest.values("pk")[:1]))


def list_open_replenishments(*, actor) -> QuerySet[ReplenishmentRequest]:
    """The open replenishment requests the actor may see, each with its gift, its warehouse and `announced`: the
    inbound shipments announced for it and not received or withdrawn yet (at most one), in two queries."""
    announced = InboundShipment.objects.filter(state=InboundShipment.State.ANNOUNCED).order_by("-announced_at", "-id")
    return (
        ReplenishmentRequest.objects.visible_to(actor).filter(state=ReplenishmentRequest.State.OPEN)
        .select_related("gift", "location").prefetch_related(Prefetch("inbound_shipments", queryset=announced, to_attr="announced"))
    )


def next_event_sequence(*, tracking_number: str, event_id: str) -> int:
    """The sequence a carrier event reported by hand takes: the one it was recorded with if its id was recorded (a
    form sent again), else the one after the last the parcel has, recorded or handled."""
    if (recorded := CarrierEvent.objects.filter(event_id=event_id).values_list("sequence", flat=True).first()) is not None:
        return recorded
    tracking_number = tracking_key(tracking_number)
    last_recorded = CarrierEvent.objects.filter(tracking_number=tracking_number).aggregate(last=Max("sequence"))["last"] or 0
    last_handled = Shipment.objects.filter(tracking_number=tracking_number).aggregate(last=Max("last_event_sequence"))["last"] or 0
    return max(last_recorded, last_handled) + 1


def search_shipments(rows: QuerySet[Shipment], text: str) -> QuerySet[Shipment]:
    """The shipments of `rows` whose tracking number or order number contains `text` as people type it: the tracking
    number compared without case, full-width forms, spaces or hyphens on either side (`tracking_search_key`: "sf 1402",
    "ＳＦ－１４０２" find "SF1402…" and "SF-1402-…"); the portal's parcel lists and the API's `?search=` read it."""
    if not (text := folded(text)):
        return rows
    condition = Q(order__number__icontains=text)
    if key := tracking_search_key(text):
        condition |= Q(tracking_compact__contains=key)
    return rows.alias(tracking_compact=Replace("tracking_number", Value("-"), Value(""))).filter(condition)


def failed_awaiting_decision() -> Q:
    """The failed parcels that still need the operator: the order's own latest parcel, failed, its order still at
    delivery_failed (to re-deliver or give up). A failure followed by a re-delivery, or given up, needs nothing more."""
    later_own = Shipment.objects.filter(ORDER_OWN_PARCELS, order=OuterRef("order"), pk__gt=OuterRef("pk"))
    return Q(ORDER_OWN_PARCELS, ~Exists(later_own), state=Shipment.State.FAILED, order__state=RedemptionOrder.State.DELIVERY_FAILED)


def awaiting_decision(rows: QuerySet[Shipment], awaiting: bool | None) -> QuerySet[Shipment]:
    """Of the shipments `rows`, the failures the operator has still to re-deliver or give up (`failed_awaiting_decision`)
    (True), the others (False) or all (None): the shipment list's and the API's filter."""
    return answering(rows, failed_awaiting_decision(), awaiting)


def unshipped(rows: QuerySet[Shipment], only: bool | None, *, reader=None) -> QuerySet[Shipment]:
    """Of the shipments `rows`, those not shipped yet (created or picked, WAITING_STATES) (True), the others (False) or
    all (None): the shipment list's 仅看未发出 and the API's filter. Those not shipped yet of a `reader` who ships some
    kinds by hand are only of those (`shipments.kinds_shipped_by`: logistics staff its warehouse parcels, not the
    dropship ones it cannot ship, which are then among the others); of one who ships none (operators, finance) all."""
    waiting = Q(state__in=WAITING_STATES)
    if reader is not None and (kinds := kinds_shipped_by(reader)):
        waiting &= Q(kind__in=kinds)
    return answering(rows, waiting, only)


@waiting_for({Role.LOGISTICS})
def shipments_to_send(user) -> QuerySet[Shipment]:
    """The warehouse parcels logistics has still to pick or ship (created or picked): its 运单 badge and to-do entry,
    which open the shipment list's 仅看未发出 (`unshipped`, the same rows)."""
    return unshipped(Shipment.objects.visible_to(user), True, reader=user)


def parcel_counts(*, actor, today: date) -> dict:
    """The parcels the actor may see by where they stand and those shipped and delivered on `today` (local), each
    figure the rows of the shipment list its home card links to: the warehouse parcels to pick (created) and to ship
    (not shipped yet, picked or not: what logistics ships by file, `bulk_shipping.list_shipments_to_ship`), the
    dropship ones waiting for their supplier apart, those on their way, and the failed ones waiting for the operator
    (`failed_awaiting_decision`). One query, reading only the parcels in those states (every failed one, as a failure
    stays failed) or of that day (indexed), not every parcel ever sent."""
    start, end = day_start(today), day_start(today + timedelta(days=1))
    State, Kind = Shipment.State, Shipment.Kind
    waiting = Q(state__in=WAITING_STATES)
    counted = Q(state__in=COUNTED_STATES) | Q(shipped_at__gte=start, shipped_at__lt=end) | Q(delivered_at__gte=start, delivered_at__lt=end)
    return Shipment.objects.visible_to(actor).filter(counted).aggregate(
        to_pick=Count("id", filter=Q(kind=Kind.WAREHOUSE, state=State.CREATED)), to_ship=Count("id", filter=waiting & Q(kind=Kind.WAREHOUSE)),
        dropship_waiting=Count("id", filter=waiting & Q(kind=Kind.DROPSHIP)),
        on_the_way=Count("id", filter=Q(state=State.SHIPPED)), failed=Count("id", filter=failed_awaiting_decision()),
        shipped_today=Count("id", filter=Q(shipped_at__gte=start, shipped_at__lt=end)),
        delivered_today=Count("id", filter=Q(delivered_at__gte=start, delivered_at__lt=end)),
    )


def returns_still_open() -> QuerySet[ReturnRequest]:
    """The returns that may still net a delivery off (`ReturnRequest.OPEN`): not closed, refused or turned down yet."""
    return ReturnRequest.objects.filter(state__in=ReturnRequest.OPEN)


def replacements_awaiting_delivery() -> QuerySet[ReturnRequest]:
    """The exchanges whose replacement may still be delivered: the return still open, or exchanged with no replacement
    delivered yet (on its way, or failed and waiting for the operator to ship another or refund instead)."""
    delivered = Shipment.objects.filter(replacement_for=OuterRef("pk"), state=Shipment.State.DELIVERED)
    return ReturnRequest.objects.filter(remedy=ReturnRequest.Remedy.EXCHANGE).filter(
        Q(state__in=ReturnRequest.OPEN) | Q(state=ReturnRequest.State.EXCHANGED) & ~Exists(delivered))


def get_lost_parcel_claim(*, user, shipment: Shipment) -> LogisticsClaim | None:
    """For staff, the claim that reported the parcel lost (its report standing, or withdrawn when it turned up delivered
    after all), where they act on it; None for anyone else, or a parcel neither failed nor delivered."""
    if not has_role(user, STAFF_ROLES) or shipment.state not in (Shipment.State.FAILED, Shipment.State.DELIVERED):
        return None
    return LogisticsClaim.objects.filter(shipment=shipment, cause=LogisticsClaim.Cause.LOST_PARCEL).only("pk", "state").first()


def return_outcomes(*, order: RedemptionOrder, user) -> list[dict]:
    """What the order's inspected returns came to for the supplier's statement, per outcome (SPEC §4.7), in the
    outcomes' order, in one query: `units` returned with that outcome, `netted` the units netted off the supplier's
    statement (a refund or exchange of resellable or defective units: the return's negative line, booked by the
    statement of the month it closes in) and `claimed` the units that went to a logistics claim instead (transit
    damage: the supplier is still paid for them and the provider is claimed); refused units (used) are neither."""
    outcomes = list(ReturnRequest.Outcome)
    rows = (ReturnRequest.objects.visible_to(user).filter(order=order).exclude(outcome="").values("outcome")
            .annotate(units=Sum(resolved_units()), netted=Coalesce(Sum(resolved_units(), filter=Q(settlement_amount__lt=0)), 0),
                      claimed=Coalesce(Sum("claim__quantity"), 0))
            .order_by("outcome"))
    return [{"outcome": row["outcome"], "outcome_label": str(ReturnRequest.Outcome(row["outcome"]).label), "units": row["units"],
             "netted": row["netted"], "claimed": row["claimed"]}
            for row in sorted(rows, key=lambda row: outcomes.index(row["outcome"]))]
def list_goods_back(*, user) -> QuerySet[GoodsBack]:
    """The defective units owed back to suppliers that the user may see (a supplier its own, logistics and operators
    all), newest first, with their return, gift, warehouse and supplier joined and a disputed one's note read for the
    whole list in one query (`GoodsBack.objection`)."""
    return (GoodsBack.objects.visible_to(user).select_related("return_request__order", "gift", "location", "supplier")
            .prefetch_related(GoodsBack.objection.prefetch()))


def goods_back_of(return_request: ReturnRequest, *, user) -> GoodsBack | None:
    """The units of the return owed back to its supplier, where the user may see them; else None."""
    return GoodsBack.objects.visible_to(user).filter(return_request=return_request).first()
