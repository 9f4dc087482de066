"""Stock changes (SPEC §4.3): each a conditional update the database constraints back, plus its movement row.

Counters never go negative: every decrease is `UPDATE … WHERE <enough>` and a CHECK constraint stands
behind it, so this holds on SQLite (where select_for_update does nothing) as on PostgreSQL.
"""
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Case, CharField, Expression, F, Q, QuerySet, Sum, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from core import sql
from core.errors import PermissionDenied, ValidationFailed
from core.validators import required_text, validate_length
from core.changes import changed_by
from core.events import publish
from core.roles import SUPPLIER_ROLES, Role
from core.fsm import apply_transition, bulk_transition, log_creation
from core.texts import Message, stored
from suppliers.checks import replenishment_due_days
from suppliers.errors import OutOfStock, StockChanged
from suppliers.events import RetiredStockFreed
from suppliers.models import Gift, Location, ReplenishmentRequest, SafetyStockChange, StockMovement, StockRecord
from suppliers.services.locks import lock_gift

#: a gift in these states is off sale for good or for now: no replenishment is asked for it (SPEC §4.3)
OFF_SALE = frozenset({Gift.State.OFFLINE, Gift.State.CLEARANCE, Gift.State.RETIRED})
#: who sets the safety stock of any stock record (`set_safety_stock`), on the stock page and through the API; a supplier's
#: user sets it only at its own location, through `set_own_safety_stock`
SAFETY_STOCK_SETTERS = frozenset({Role.LOGISTICS, Role.OPERATOR})
Kind = StockMovement.Kind
#: the history's reason when the system retires a clearance gift whose stock is used up (SPEC §4.2)
CLEARANCE_STOCK_USED_UP = gettext_noop("清仓库存已清空，系统自动退市")


@dataclass(frozen=True)
class Source:
    """What caused a movement: e.g. Source("order", "42")."""

    type: str = ""
    id: str = ""


#: where a viewer opens what a movement's source names: source_type → (user, source_id, the number shown) → a path or
#: None; the apps that own those pages register here (an order's page is above this app)
source_links: dict[str, Callable[[Any, str, str], str | None]] = {}
#: what a movement's source shows where its stored id is a row's key, not a number a reader knows (an exchange's
#: replacement stores its parcel's id, its return's number is shown): source_type → the expression giving it from the
#: movement's `source_id`; registered by the app that owns those rows, read where the label is made (`with_source_numbers`)
source_numbers: dict[str, Callable[[], Expression]] = {}
#: source_type → the condition on movements of that type whose number shown (`source_numbers`) holds a text, registered
#: with it: a movement is found by the number its page shows (`suppliers.selectors.movements_matching`)
source_searches: dict[str, Callable[[str], Q]] = {}


def with_source_numbers(movements: QuerySet[StockMovement]) -> QuerySet[StockMovement]:
    """`movements` with `source_number`: what each one's source shows beside its type (its stored id unless
    `source_numbers` says otherwise), in the same query."""
    shown = [When(source_type=kind, then=number()) for kind, number in source_numbers.items()]
    return movements.annotate(source_number=Case(*shown, default=F("source_id"), output_field=CharField()) if shown else F("source_id"))


def _move(
    *, gift: Gift, location: Location, kind: str, on_hand: int, reserved: int, at: datetime, actor, source: Source,
    free_needed: int = 0, reserved_needed: int = 0, note: str = "", liable: str = "",
) -> StockRecord:
    # A refusal writes nothing and is raised outside the block, so a caller may catch it and go on; any other
    # failure dooms the caller's transaction (there is no savepoint of its own: the hot path has many callers).
    with transaction.atomic(savepoint=False):
        # Units leaving a clearance gift may be its last: its lock, needed to retire it, is taken before its stock, as
        # every path taking both takes them (restocking, releasing, counting), so none waits on the other in the opposite order.
        # A gift not on clearance is not locked: a retired gift's lot closing never waits on the gift its clearing locks.
        on_clearance = lock_gift(gift.pk, state=Gift.State.CLEARANCE) if on_hand < 0 else None
        record = _change(gift, location, on_hand, reserved, free_needed, reserved_needed)
        if record is None and StockRecord.objects.get_or_create(gift=gift, location=location)[1]:
            record = _change(gift, location, on_hand, reserved, free_needed, reserved_needed)
        if record is not None:
            note, note_params = stored(note)
            sql.insert([StockMovement(
                gift_id=gift.pk, location_id=location.pk, kind=kind, on_hand_delta=on_hand, reserved_delta=reserved, at=at,
                actor=actor if getattr(actor, "is_authenticated", False) else None, source_type=source.type, source_id=source.id, note=note,
                note_params=note_params, liable=liable,
            )])
            if on_hand < 0 or reserved > 0:
                _raise_replenishment_if_low(record=record, at=at)
            if on_hand < reserved and location.kind == Location.Kind.DROPSHIP:  # fewer available at a supplier's own location
                _warn_when_own_stock_falls_below_safety(gift=gift, record=record, fell_by=reserved - on_hand, at=at)
            if on_hand < 0 and record.on_hand == 0 and on_clearance is None:
                # A clearance may have started since the look above, counting this unit still here: the gift is then on
                # clearance with nothing left, and retired here. Only then is its lock taken after its stock.
                on_clearance = lock_gift(gift.pk, state=Gift.State.CLEARANCE)
            if on_clearance is not None and record.on_hand == 0:  # only units leaving can use the stock up
                _retire_if_clearance_stock_used_up(gift=on_clearance, at=at)
    if record is None:
        raise OutOfStock(field="quantity", gift=gift.pk, location=location.pk)
    return record


def _change(gift: Gift, location: Location, on_hand: int, reserved: int, free_needed: int, reserved_needed: int) -> StockRecord | None:
    """One conditional UPDATE … RETURNING: the record as it now is, or None when it is missing or holds fewer than
    `free_needed` available or `reserved_needed` reserved units."""
    try:
        rows = sql.fetch(
            f"UPDATE {sql.table(StockRecord)} SET on_hand = on_hand + %s, reserved = reserved + %s"
            " WHERE gift_id = %s AND location_id = %s AND on_hand - reserved >= %s AND reserved >= %s"
            " RETURNING id, on_hand, reserved, safety_stock",
            [on_hand, reserved, gift.pk, location.pk, free_needed, reserved_needed],
        )
    except IntegrityError as exc:
        raise OutOfStock(field="quantity") from exc
    row = rows[0] if rows else None
    if row is None:
        return None
    pk, on_hand_now, reserved_now, safety_stock = row
    # the gift is read again only for a replenishment check, so its state is never a stale copy
    record = StockRecord(pk=pk, gift_id=gift.pk, location=location, on_hand=on_hand_now, reserved=reserved_now, safety_stock=safety_stock)
    record._state.adding, record._state.db = False, connection.alias
    return record


def _retire_if_clearance_stock_used_up(*, gift: Gift, at: datetime) -> None:
    """The system retires a clearance gift once no unit of it is on hand at any location (SPEC §4.2): a unit reserved
    for an order is on hand until it ships, so the last one going out, written off or collected is the moment. Its
    retirement makes no leftover lot, as there is nothing left."""
    # The caller locked the gift before its stock: the last units leaving two locations at once are counted one after
    # the other, so the second sees the first gone and neither misses the moment.
    if StockRecord.objects.filter(gift_id=gift.pk, on_hand__gt=0).exists():
        return
    from suppliers.services.catalog import retire_gift  # catalog imports this module (to cancel replenishment)

    retire_gift(gift=gift, actor=None, now=at, reason=CLEARANCE_STOCK_USED_UP)


def _positive(quantity: int) -> int:
    if not isinstance(quantity, int) or quantity <= 0:
        raise ValidationFailed(gettext("数量必须为正整数"), field="quantity")
    return quantity


def receive_stock(
    *, gift: Gift, location: Location, quantity: int, at: datetime, actor=None, source: Source = Source(), note: str = ""
) -> StockRecord:
    """Add received units to the supplier's consignment at `location`."""
    return _move(gift=gift, location=location, kind=Kind.INBOUND, on_hand=_positive(quantity), reserved=0, at=at, actor=actor, source=source,
                 note=note)


def reserve_stock(*, gift: Gift, location: Location, quantity: int, at: datetime, actor=None, source: Source = Source()) -> StockRecord:
    """Reserve units for an order. :raises OutOfStock: if fewer than `quantity` are available"""
    n = _positive(quantity)
    return _move(gift=gift, location=location, kind=Kind.RESERVATION, on_hand=0, reserved=n, free_needed=n, at=at, actor=actor, source=source)


def release_stock(*, gift: Gift, location: Location, quantity: int, at: datetime, actor=None, source: Source = Source()) -> StockRecord:
    """Give reserved units back (order cancelled or expired). :raises OutOfStock: if fewer are reserved"""
    n = _positive(quantity)
    with transaction.atomic(savepoint=False):
        # units freed at a warehouse may belong to a leftover lot: the gift's state is read under its lock, taken before
        # the stock as restocking takes it, so a retirement under way has committed or waits and counts them
        state = lock_gift(gift.pk).state if location.kind == Location.Kind.WAREHOUSE else None
        record = _move(gift=gift, location=location, kind=Kind.RELEASE, on_hand=0, reserved=-n, reserved_needed=n, at=at, actor=actor,
                       source=source)
        _freed_after_retirement(gift=gift, state=state, location=location, quantity=n, at=at)
    return record


def consume_stock(*, gift: Gift, location: Location, quantity: int, at: datetime, actor=None, source: Source = Source()) -> StockRecord:
    """Ship reserved units: they leave on-hand and the reservation. :raises OutOfStock: if fewer are reserved"""
    n = _positive(quantity)
    return _move(gift=gift, location=location, kind=Kind.SHIPMENT, on_hand=-n, reserved=-n, reserved_needed=n, at=at, actor=actor, source=source)


def restock(
    *, gift: Gift, location: Location, quantity: int, at: datetime, actor=None, source: Source = Source(), stays: bool = True,
) -> StockRecord:
    """Put returned, resellable units back into the supplier's consignment. `stays=False`: the caller takes them
    out again in the same transaction (written off, or reserved for a parcel), so they free nothing for a leftover lot."""
    n = _positive(quantity)
    with transaction.atomic(savepoint=False):
        # locked before the stock, as receiving an inbound shipment locks it: a retirement under way (it updates the
        # gift) either has committed, and the units join its leftover lot below, or waits and counts them in its lot;
        # units taken out again at once (written off) leave with the gift locked first, as every path takes the two.
        # No key lock: movements of the gift, which take a key-share lock on it after their stock, are not waited for.
        state = lock_gift(gift.pk).state
        record = _move(gift=gift, location=location, kind=Kind.RETURN_TO_STOCK, on_hand=n, reserved=0, at=at, actor=actor, source=source)
        if stays:
            _freed_after_retirement(gift=gift, state=state, location=location, quantity=n, at=at)
    return record


def _freed_after_retirement(*, gift: Gift, state: str | None, location: Location, quantity: int, at: datetime) -> None:
    """Units of a retired gift available again at a warehouse belong to its leftover lot there (SPEC §4.8): tell logistics.
    `state`: the gift's, read under its lock."""
    if location.kind == Location.Kind.WAREHOUSE and state == Gift.State.RETIRED:
        publish(RetiredStockFreed(gift_id=gift.pk, location_id=location.pk, quantity=quantity, at=at))


def write_off_stock(
    *, gift: Gift, location: Location, quantity: int, at: datetime, actor=None, source: Source = Source(), kind: str = Kind.WRITE_OFF, note: str = ""
) -> StockRecord:
    """Remove unreserved units (damage, shortage correction, collection by the supplier).

    :raises OutOfStock: if fewer unreserved units are on hand
    """
    n = _positive(quantity)
    return _move(gift=gift, location=location, kind=kind, on_hand=-n, reserved=0, free_needed=n, at=at, actor=actor, source=source, note=note)


MAX_OWN_STOCK = 100_000


def _units(value, *, name: str, field: str) -> int:
    """A count of units a person entered (a stock count, a safety stock). :raises ValidationFailed: unless 0–MAX_OWN_STOCK"""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_OWN_STOCK:
        message = gettext("%(name)s须为 0–%(max_own_stock)s 的整数") % {"name": name, "max_own_stock": MAX_OWN_STOCK}
        raise ValidationFailed(message, field=field)
    return value


def own_location(supplier) -> Location:
    """The supplier's own location, from which its dropship gifts ship (made the first time it is needed)."""
    location, _ = Location.objects.get_or_create(
        supplier=supplier, defaults={"code": f"DS-{supplier.pk}", "name": supplier.name, "kind": Location.Kind.DROPSHIP}
    )
    return location


def count_own_stock(
    *, gift: Gift, available: int, reason: str, actor, now: datetime, counted_from: int | None = None
) -> StockRecord:
    """A dropship supplier states how many units of a dropship gift it has ready to ship from its own location, and why
    (盘点, 到货…): the difference from the available stock is booked as received (a count up) or written off (a count
    down), the reason kept as the movement's note; units reserved for orders stay reserved. A count that changes
    nothing books nothing. `counted_from`: the available units the supplier was shown when it counted; when an order
    or another count has changed them since, the count is refused rather than undo what happened meanwhile.

    :raises PermissionDenied: unless the actor is a user of the gift's supplier
    :raises ValidationFailed: a warehouse gift (its stock is what the logistics provider receives), a count that is
        not a whole number from 0 to MAX_OWN_STOCK, or no reason or one longer than a movement's note holds
    :raises StockChanged: naming `available`, when the available units are no longer `counted_from`
    """
    location = _own_dropship_location(gift, actor, denied=gettext("只有该礼品商可以申报自有库存"))
    _units(available, name=gettext("可用数量"), field="available")
    if counted_from is not None:
        _units(counted_from, name=gettext("盘点前的可用数量"), field="counted_from")
    reason = _count_reason(reason, missing=gettext("请填写盘点原因，如盘点、到货"))
    source = _count_source(now)
    with transaction.atomic():
        # the gift before its stock, as every path taking both locks them (a count down may retire a clearance gift)
        lock_gift(gift.pk)
        record, _ = StockRecord.objects.select_for_update().get_or_create(gift=gift, location=location)
        if counted_from is not None and record.available != counted_from:
            raise StockChanged(gettext("可用数量已变为 %(available)s（其间有订单或其他盘点），请重新盘点") % {"available": record.available},
                               field="available")
        difference = available - record.available
        if difference > 0:
            record = receive_stock(gift=gift, location=location, quantity=difference, at=now, actor=actor, source=source, note=reason)
            meet_replenishment(gift=gift, location=location, at=now, actor=actor)
        elif difference < 0:
            record = write_off_stock(gift=gift, location=location, quantity=-difference, at=now, actor=actor, source=source,
                                     kind=StockMovement.Kind.WRITE_OFF, note=reason)
    return record


#: who counts the stock at a warehouse (`count_warehouse_stock`): the logistics provider that holds it
WAREHOUSE_COUNTERS = frozenset({Role.LOGISTICS})
Liable = StockMovement.Liable
#: the liable party as a supplier's notice names it, in the reader's language (the movement's choices, as message ids)
LIABLE_NAMES = {Liable.LOGISTICS: gettext_noop("物流商"), Liable.SUPPLIER: gettext_noop("礼品商"), Liable.NONE: gettext_noop("无责任方（盘点差错）")}


def count_warehouse_stock(
    *, record: StockRecord, on_hand: int, reason: str, actor, now: datetime, liable: str = "", counted_from: int | None = None,
) -> StockRecord:
    """Logistics staff count the units of a gift on hand at a warehouse (a periodic count, a unit damaged on the shelf or
    missing) and say why: the difference from the units on hand is booked as one 盘点更正 movement with who, when, why
    and, for a shortfall, who is liable for it; the supplier is told. A count equal to the units on hand books nothing.
    Units reserved for confirmed orders are on hand until they ship, so a count below them is refused. `counted_from`:
    the units on hand the count was made from; when a shipment or another count has changed them since, it is refused.

    :raises PermissionDenied: unless the actor is logistics staff
    :raises ValidationFailed: a location that is not a warehouse (`location`), a count not a whole number from 0 to
        MAX_OWN_STOCK or below the reserved units (`on_hand`), no reason or one too long (`reason`), a shortfall without
        who is liable or an unknown party (`liable`)
    :raises StockChanged: naming `on_hand`, when the units on hand are no longer `counted_from`
    """
    if getattr(actor, "role", None) not in WAREHOUSE_COUNTERS:
        raise PermissionDenied(gettext("只有物流人员可以盘点物流仓库存"))
    location = record.location
    if location.kind != Location.Kind.WAREHOUSE:
        raise ValidationFailed(gettext("礼品商自有仓的库存由礼品商盘点"), field="location")
    _units(on_hand, name=gettext("盘点在库数量"), field="on_hand")
    if counted_from is not None:
        _units(counted_from, name=gettext("盘点前的在库数量"), field="counted_from")
    reason = _count_reason(reason, missing=gettext("请填写盘点原因，如月度盘点、货架破损、丢失"))
    if liable not in ("", *Liable.values):
        raise ValidationFailed(gettext("请选择短少责任方"), field="liable")
    with transaction.atomic():
        # the gift before its stock, as every path taking both locks them (a count down may retire a clearance gift)
        state = lock_gift(record.gift_id).state
        gift = record.gift
        before = StockRecord.objects.select_for_update().get(pk=record.pk)
        if counted_from is not None and before.on_hand != counted_from:
            raise StockChanged(gettext("在库数量已变为 %(on_hand)s（其间有出入库或其他盘点），请重新盘点") % {"on_hand": before.on_hand},
                               field="on_hand")
        if on_hand < before.reserved:
            raise ValidationFailed(gettext("盘点在库数量 %(on_hand)s 少于已为订单占用的 %(reserved)s 件，占用的件数须在库")
                                   % {"on_hand": on_hand, "reserved": before.reserved}, field="on_hand")
        difference = on_hand - before.on_hand
        if difference < 0 and not liable:
            raise ValidationFailed(gettext("盘亏时请选择短少责任方"), field="liable")
        if difference == 0:
            return before
        after = _move(gift=gift, location=location, kind=Kind.CORRECTION, on_hand=difference, reserved=0, free_needed=max(-difference, 0),
                      at=now, actor=actor, source=_count_source(now), note=reason,
                      liable=liable if difference < 0 else "")
        if difference > 0:
            meet_replenishment(gift=gift, location=location, at=now, actor=actor)
            _freed_after_retirement(gift=gift, state=state, location=location, quantity=difference, at=now)
        _tell_supplier_of_count(gift=gift, location=location, before=before.on_hand, after=after.on_hand, reason=reason,
                                liable=liable if difference < 0 else "", at=now)
    return after


def _tell_supplier_of_count(*, gift: Gift, location: Location, before: int, after: int, reason: str, liable: str, at: datetime) -> None:
    """The supplier's notice of a count that corrected its consignment at a warehouse, linking to the gift's movements there."""
    from suppliers.services.notices import send_notice

    params = {"gift": gift.name, "location": location.described(), "before": before, "after": after, "reason": reason}
    body = gettext_noop("物流商盘点后在库数量由 %(before)s 更正为 %(after)s，原因：%(reason)s。")
    if liable:
        params["liable"] = Message(LIABLE_NAMES[liable])
        body = gettext_noop("物流商盘点后在库数量由 %(before)s 更正为 %(after)s，原因：%(reason)s。短少责任方：%(liable)s。")
    send_notice(supplier=gift.supplier, kind="stock_corrected", title=gettext_noop("库存盘点更正：%(gift)s（%(location)s）"), body=body,
                params=params, now=at, link=f"{reverse('supplier-stock-movements')}?gift={gift.pk}&location={location.pk}")


def _own_dropship_location(gift: Gift, actor, *, denied: str) -> Location:
    """The own location of the gift's supplier, for one of its users and a gift it ships itself.

    :raises PermissionDenied: with `denied` unless the actor is a user of the gift's supplier
    :raises ValidationFailed: a warehouse gift (its stock is what the logistics provider receives)
    """
    _require_supplier_user(actor, gift.supplier_id, denied=denied)
    if gift.fulfilment != Gift.Fulfilment.DROPSHIP:
        raise ValidationFailed(gettext("物流仓发货的礼品以物流商实收为准，不能自报库存"), field="gift")
    return own_location(gift.supplier)


def _require_supplier_user(actor, supplier_id: int | None, *, denied: str) -> None:
    """:raises PermissionDenied: with `denied` unless the actor is a user of that supplier (its own location, its
    own gifts)"""
    if getattr(actor, "role", None) not in SUPPLIER_ROLES or actor.supplier_id != supplier_id:
        raise PermissionDenied(denied)


def _count_reason(reason: str, *, missing: str) -> str:
    """Why a count was made (a supplier's own, or logistics' at a warehouse), without surrounding spaces, kept as the
    movement's note. :raises ValidationFailed: naming `reason` when empty (`missing`) or longer than a movement's note"""
    return validate_length(required_text(reason, message=missing), model=StockMovement, column="note", field="reason")


def _count_source(now: datetime) -> Source:
    """What a count's movement names as its source: the count, by its time (Asia/Shanghai)."""
    return Source("stock_count", timezone.localtime(now).strftime("%Y%m%d%H%M%S"))


def set_own_safety_stock(*, gift: Gift, safety_stock: int, actor, now: datetime) -> StockRecord:
    """A dropship supplier sets the safety stock of one of its dropship gifts at its own location: no replenishment
    request is raised there (it ships its own goods), but a reservation or count that takes the available units below it
    puts one notice in its inbox (_warn_when_own_stock_falls_below_safety).

    :raises PermissionDenied: unless the actor is a user of the gift's supplier
    :raises ValidationFailed: a warehouse gift, or a level that is not a whole number from 0 to MAX_OWN_STOCK
    """
    location = _own_dropship_location(gift, actor, denied=gettext("只有该礼品商可以设置自有仓的安全库存"))
    return set_safety_stock(gift=gift, location=location, safety_stock=safety_stock, at=now, actor=actor)


def staff_sets_safety_stock_at(role: str, location: Location) -> bool:
    """Whether staff of `role` set the safety stock at `location` (set_safety_stock): operators at every location,
    logistics staff only at the warehouses the logistics provider runs, never at a supplier's own (dropship) one."""
    return role in SAFETY_STOCK_SETTERS and (role != Role.LOGISTICS or location.kind == Location.Kind.WAREHOUSE)


def set_safety_stock(*, gift: Gift, location: Location, safety_stock: int, at: datetime, actor=None) -> StockRecord:
    """Set the safety stock of a gift at a location, keeping the change with who made it (none for the system) when the
    level changes; a warehouse's level already below it raises a replenishment request, one at or above it cancels the
    open request there. Logistics staff set it only at the warehouses the logistics provider runs, never at a supplier's
    own (dropship) location; a supplier's user only at its own.

    :raises ValidationFailed: unless a whole number from 0 to MAX_OWN_STOCK
    :raises PermissionDenied: for logistics staff at a location that is not a warehouse, or a supplier's user at one
        that is not its own
    """
    role = getattr(actor, "role", None)
    if role in SAFETY_STOCK_SETTERS and not staff_sets_safety_stock_at(role, location):
        raise PermissionDenied(gettext("物流只能设置其运营仓库的安全库存，礼品商自有仓由礼品商管理"))
    if role in SUPPLIER_ROLES:
        _require_supplier_user(actor, location.supplier_id, denied=gettext("只有该礼品商可以设置自有仓的安全库存"))
    _units(safety_stock, name=gettext("安全库存"), field="safety_stock")
    with transaction.atomic():
        record, _ = StockRecord.objects.get_or_create(gift=gift, location=location)
        previous = StockRecord.objects.select_for_update().values_list("safety_stock", flat=True).get(pk=record.pk)
        if previous != safety_stock:  # the same level again is no change
            StockRecord.objects.filter(pk=record.pk).update(safety_stock=safety_stock)
            SafetyStockChange.objects.create(record=record, previous_safety_stock=previous, safety_stock=safety_stock, changed_at=at,
                                             changed_by=changed_by(actor))
        record.refresh_from_db()
        if not record.below_safety_stock:
            reason = Message(gettext_noop("安全库存调整为 %(safety_stock)s，可用库存 %(available)s 已不低于安全库存"),
                             safety_stock=record.safety_stock, available=record.available)
            cancel_replenishment(gift_ids=[gift.pk], location=location, actor=actor, at=at, reason=reason)
        else:
            _raise_replenishment_if_low(record=record, at=at)
    return record


def open_warehouse_stock(*, gift: Gift) -> None:
    """Give a warehouse gift a stock record of nothing at each warehouse where it has none: from its approval it is
    listed on 库存, where its safety stock is set, so that stock below it raises a replenishment request even before its
    first delivery (SPEC §4.3). A dropship gift is stocked at its supplier's own location instead."""
    if gift.fulfilment != Gift.Fulfilment.WAREHOUSE:
        return
    warehouses = Location.objects.filter(kind=Location.Kind.WAREHOUSE).exclude(stock_records__gift=gift)
    StockRecord.objects.bulk_create([StockRecord(gift=gift, location=location) for location in warehouses], ignore_conflicts=True)


#: the states of a gift approved once and not retired: a warehouse gift in them has a stock record at every warehouse
#: (`open_warehouse_stock`); one back in review or rejected after that (a relisting) keeps the records it has
APPROVED_ONCE = frozenset({Gift.State.APPROVED, Gift.State.ONLINE, Gift.State.OFFLINE, Gift.State.CLEARANCE})


def open_stock_at_warehouse(*, location: Location) -> int:
    """Give a warehouse added (or a location made one) a stock record of nothing for every warehouse gift listed on 库存
    (approved once, not retired) that has none there, as the warehouses it had on its approval: its safety stock can be
    set there before its first delivery. Called after a location is saved, wherever it is (the admin, the seed data);
    a supplier's own location gets none. Opening again opens nothing twice. The number of records opened."""
    if location.kind != Location.Kind.WAREHOUSE:
        return 0
    listed = Q(state__in=APPROVED_ONCE) | Q(stock_records__location__kind=Location.Kind.WAREHOUSE)
    gift_ids = set(Gift.objects.filter(listed, fulfilment=Gift.Fulfilment.WAREHOUSE).exclude(state=Gift.State.RETIRED)
                   .exclude(stock_records__location=location).values_list("pk", flat=True))
    StockRecord.objects.bulk_create([StockRecord(gift_id=pk, location=location) for pk in sorted(gift_ids)], ignore_conflicts=True)
    return len(gift_ids)


def _raise_replenishment_if_low(*, record: StockRecord, at: datetime) -> None:
    if record.location.kind != Location.Kind.WAREHOUSE or not record.below_safety_stock:
        return
    if record.gift.state in OFF_SALE or record.gift.fulfilment == Gift.Fulfilment.DROPSHIP:
        return  # nothing more will be stocked in a warehouse of a gift off sale, being sold off or shipped by its supplier
    if ReplenishmentRequest.objects.filter(gift_id=record.gift_id, location_id=record.location_id, state="open").exists():
        return
    request = ReplenishmentRequest.objects.create(
        gift_id=record.gift_id,
        location_id=record.location_id,
        quantity=max(record.safety_stock * 2 - record.available, 1),
        raised_at=at,
        due_date=timezone.localdate(at) + timedelta(days=replenishment_due_days()),  # counted in Shanghai days
    )
    log_creation(request, "create", actor=None, at=at, reason=Message(
        gettext_noop("可用库存 %(available)s 低于安全库存 %(safety_stock)s"), available=record.available, safety_stock=record.safety_stock,
    ))
    from suppliers.services.notices import send_notice

    gift = record.gift
    send_notice(
        supplier=gift.supplier,
        kind="replenishment",
        title=gettext_noop("补货提醒：%(gift)s（%(location)s）"),
        body=gettext_noop("可用库存 %(available)s 低于安全库存 %(safety_stock)s，请于 %(due_date)s 前补货 %(quantity)s 件。"),
        params={"gift": gift.name, "location": record.location.described(), "available": record.available, "safety_stock": record.safety_stock,
                "due_date": f"{request.due_date:%Y-%m-%d}", "quantity": request.quantity},
        now=at, link=reverse("supplier-stock"),
    )


def _warn_when_own_stock_falls_below_safety(*, gift: Gift, record: StockRecord, fell_by: int, at: datetime) -> None:
    """One notice (inbox and SMS) to a dropship supplier when its available units at its own location fall below the
    safety stock it set: on the crossing only, so orders taken while it stays below send none. Decided from the changed
    row alone: nothing more is read unless it crosses."""
    if not record.available < record.safety_stock <= record.available + fell_by:
        return
    from suppliers.services.notices import send_notice

    send_notice(
        supplier=gift.supplier,
        kind="own_stock_low",
        title=gettext_noop("库存预警：%(gift)s（自有仓）"),
        body=gettext_noop("自有仓可用库存 %(available)s 已低于安全库存 %(safety_stock)s，请及时备货并更新盘点数量。"),
        params={"gift": gift.name, "available": record.available, "safety_stock": record.safety_stock},
        now=at, link=reverse("supplier-stock"),
    )


def cancel_replenishment(
    *, gift_ids: Collection[int], at: datetime, reason: str, actor=None, location: Location | None = None
) -> list[int]:
    """Cancel the open replenishment requests of these gifts (at `location` only, when given), each logged with `reason`:
    a request that no longer makes sense is no longer asked of the supplier, nor counted against it (SPEC §4.10)."""
    requests = ReplenishmentRequest.objects.filter(gift_id__in=gift_ids, state=ReplenishmentRequest.State.OPEN)
    if location is not None:
        requests = requests.filter(location=location)
    return bulk_transition(requests, "cancel", actor=actor, at=at, reason=reason)


def meet_replenishment(*, gift: Gift, location: Location, at: datetime, actor=None) -> ReplenishmentRequest | None:
    """Mark the open replenishment request of this gift and warehouse met once stock received has brought the available
    stock back to the safety stock; a partial delivery leaves it open (and counts as late if the rest comes late)."""
    request = ReplenishmentRequest.objects.filter(gift=gift, location=location, state="open").first()
    record = StockRecord.objects.filter(gift=gift, location=location).first()
    if request is not None and record is not None and not record.below_safety_stock:
        apply_transition(request, "meet", actor=actor, at=at, reason=gettext_noop("补货已到"), met_at=at)
    return request


def rebuild_stock(*, gift: Gift, location: Location) -> tuple[int, int]:
    """(on_hand, reserved) recomputed from the movements alone."""
    totals = StockMovement.objects.filter(gift=gift, location=location).aggregate(on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta"))
    return totals["on_hand"] or 0, totals["reserved"] or 0
