"""The gift catalog workflow (SPEC §4.2): drafts, review, listing, delisting, clearance, retirement."""
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from core.errors import PermissionDenied, ValidationFailed, refuse
from core.events import publish
from core.fsm import apply_transition, bulk_transition, log_creation, require_transition
from core.roles import SUPPLIER_ROLES, Role, waiting_for
from core.texts import Message
from core.validators import required_text
from suppliers.errors import ClearanceNotAllowed, IncompleteGift
from suppliers.events import GiftRetired
from suppliers.models import Category, Gift, GiftRevision, Supplier
from suppliers.services import contracts, inventory, qualifications, revisions
from suppliers.services import publication_schedules as schedules
from suppliers.services.clearance import check_new_clearance, check_stock_to_clear
from suppliers.services.cooperation import check_supplier
from suppliers.services.gift_images import stored_uploads
from suppliers.services.notices import send_gift_notice
from suppliers.validators import validate_points_price


def create_gift(
    *, supplier: Supplier, actor, now: datetime, sku: str, name: str, category: Category | str, market_price: Decimal,
    settlement_price: Decimal, points_prices: dict[str, int], fulfilment: str = Gift.Fulfilment.WAREHOUSE, uploads: Iterable = (),
    **details
) -> Gift:
    """Create a draft gift with its points price per program code (e.g. {"gotone": 1500}); `uploads` are pictures
    added after `images`, kept only when the gift is created.

    :raises ValidationFailed: naming every bad field at once, `sku` among them when the supplier already has it
    """
    sku = (sku or "").strip()
    images = details.get("images", [])
    changes = {"name": name, "category": category, "market_price": market_price, "settlement_price": settlement_price,
               "points_prices": points_prices, "fulfilment": fulfilment, **details}
    if sku_errors := _sku_errors(supplier, sku):  # refused whatever its pictures: said with every other bad field, none stored
        _cleaned_with_sku(changes | {"images": list(images)}, sku_errors=sku_errors)
    with stored_uploads(supplier_id=supplier.pk, uploads=uploads, after=images if isinstance(images, list) else []) as stored:
        values = _cleaned_with_sku(changes | {"images": list(images) + stored}, sku_errors=[])
        contracts.check_contracted_programs(supplier=supplier, program_codes=values["points_prices"], on=timezone.localdate(now))
        with transaction.atomic():
            gift = Gift(supplier=supplier, sku=sku, created_at=now)
            revisions.apply_changes(gift, values, actor=actor, now=now)
            log_creation(gift, "create", actor=actor, at=now)
    return gift


def _sku_errors(supplier: Supplier, sku: str) -> list[tuple[str, str, str]]:
    if not sku or len(sku) > 60:
        return [("sku", "invalid", gettext("请填写SKU（最多60个字符）"))]
    if Gift.objects.filter(supplier=supplier, sku=sku).exists():
        return [("sku", "invalid", gettext("SKU已存在"))]
    return []


def _cleaned_with_sku(changes: dict, *, sku_errors: list[tuple[str, str, str]]) -> dict:
    """The new gift's values cleaned, a problem with its SKU said with the others in one refusal, not a round before
    them. :raises ValidationFailed: naming every bad field"""
    try:
        values = revisions.clean_changes(changes)
    except ValidationFailed as failed:
        errors = sku_errors + failed.errors
    else:
        errors = sku_errors
    refuse(errors)
    return values


def missing_for_submission(gift: Gift) -> list[tuple[str, str]]:
    """(field, message) for each piece of data a submission still needs."""
    missing = []
    if not gift.images:
        missing.append(("images", gettext("至少上传一张图片")))
    if not gift.specification.strip():
        missing.append(("specification", gettext("请填写规格")))
    if not gift.warranty_text.strip():
        missing.append(("warranty_text", gettext("请填写保修说明")))
    if not gift.prices.exists():
        missing.append(("points_prices", gettext("至少为一个积分计划定价")))
    return missing


def submit_gift(*, gift: Gift, actor, now: datetime, reason: str = "") -> Gift:
    """Send a complete draft to review.

    :raises IncompleteGift: naming each missing field
    :raises QualificationBlocked: while the licence or a certificate the category needs is expired or missing
    :raises InvalidTransition:
    """
    _check_submittable(gift, now)
    return apply_transition(gift, "submit", actor=actor, at=now, reason=reason)


def _check_submittable(gift: Gift, now: datetime) -> None:
    check_supplier(gift, listing=False)
    missing = missing_for_submission(gift)
    if missing:
        raise IncompleteGift(errors=[(field, "incomplete", message) for field, message in missing])
    contracts.check_contracted_programs(supplier=gift.supplier, program_codes=gift.prices.values_list("program__code", flat=True),
                                        on=timezone.localdate(now))
    qualifications.check_qualified(supplier=gift.supplier, category=gift.category, on=timezone.localdate(now))


def _check_listable(gift: Gift, transition: str, now: datetime) -> None:
    """Say why a submitted or approved gift may not take `transition` towards sale: not from its state, its supplier
    not cooperating, or a qualification its category needs expired or missing (SPEC §4.1).

    :raises InvalidTransition: :raises SupplierNotCooperating: :raises QualificationBlocked:
    """
    require_transition(gift, transition, conditions=False)
    check_supplier(gift)
    qualifications.check_qualified(supplier=gift.supplier, category=gift.category, on=timezone.localdate(now))


def approve_gift(*, gift: Gift, actor, now: datetime, reason: str = "") -> Gift:
    """Approve a submitted gift; a warehouse gift gets its stock records of nothing at the warehouses, so its safety
    stock can be set before its first delivery. :raises SupplierNotCooperating: :raises QualificationBlocked:
    :raises InvalidTransition:"""
    _check_listable(gift, "approve", now)
    with transaction.atomic():
        apply_transition(gift, "approve", actor=actor, at=now, reason=reason)
        inventory.open_warehouse_stock(gift=gift)
        send_gift_notice(gift=gift, kind="gift_approved", title=gettext_noop("礼品 %(sku)s 已通过审核"),
                         body=gettext_noop("%(gift)s 已通过审核，等待上线。%(note)s"), now=now, note=reason)
    return gift


def reject_gift(*, gift: Gift, actor, now: datetime, reason: str = "") -> Gift:
    """Reject a submitted gift with a reason, which goes to the supplier's inbox.

    :raises InvalidTransition: first, whatever the reason (the gift decided meanwhile) :raises ValidationFailed: without a reason
    """
    require_transition(gift, "reject")
    required_text(reason, message=gettext("请填写驳回原因"))
    with transaction.atomic():
        apply_transition(gift, "reject", actor=actor, at=now, reason=reason)
        send_gift_notice(gift=gift, kind="gift_rejected", title=gettext_noop("礼品 %(sku)s 审核未通过"),
                         body=gettext_noop("%(gift)s：%(reason)s"), now=now, reason=reason.strip())
    return gift


def rework_gift(*, gift: Gift, actor, now: datetime, reason: str = "") -> Gift:
    """Take a rejected gift back to draft. :raises InvalidTransition:"""
    return apply_transition(gift, "rework", actor=actor, at=now, reason=reason)


def publish_gift(*, gift: Gift, actor, now: datetime, reason: str = "") -> Gift:
    """List an approved gift. :raises SupplierNotCooperating: :raises QualificationBlocked: :raises InvalidTransition:"""
    _check_listable(gift, "publish", now)
    with transaction.atomic():
        apply_transition(gift, "publish", actor=actor, at=now, reason=reason)
        send_gift_notice(gift=gift, kind="gift_published", title=gettext_noop("礼品 %(sku)s 已上线"),
                         body=gettext_noop("%(gift)s 已在积分商城上架。%(note)s"), now=now, note=reason)
    return gift


#: the delisting reasons a person may give (the system's own, qualification expiry and suspension, are left out)
MANUAL_DELIST_REASONS = [(code, label) for code, label in Gift.DelistReason.choices if code not in Gift.SYSTEM_DELIST_REASONS]


def delist_gift(*, gift: Gift, actor, now: datetime, reason_code: str, reason: str = "") -> Gift:
    """Take an online gift offline; a supplier user may only request it (reason `supplier_request`); an operator says
    why in its own words (no reason is written for it), kept in the gift's history.

    :raises ValidationFailed: on `reason_code` for a reason only the system gives (qualification expiry, suspension);
        on `reason` for an operator giving none
    :raises PermissionDenied: for a supplier user giving another reason :raises InvalidTransition:
    """
    if reason_code in Gift.SYSTEM_DELIST_REASONS:
        raise ValidationFailed(gettext("该下线原因仅由系统在资质过期或礼品商暂停时使用"), field="reason_code")
    by_supplier = getattr(actor, "role", None) in SUPPLIER_ROLES
    if by_supplier and reason_code != Gift.DelistReason.SUPPLIER_REQUEST:
        raise PermissionDenied(gettext("礼品商只能申请下线"))
    if actor is not None and not by_supplier:
        required_text(reason, message=gettext("请填写下线说明"))
    with transaction.atomic():
        apply_transition(gift, "delist", actor=actor, at=now, reason=delist_reason(reason_code, reason), reason_code=reason_code)
        _stop_replenishment([gift.pk], state=gift.state, actor=actor, now=now)
        if not by_supplier:  # the supplier's own request needs no telling
            send_gift_notice(gift=gift, kind="gift_delisted", title=gettext_noop("礼品 %(sku)s 已下线"),
                             body=gettext_noop("%(gift)s 下线原因：%(why)s。%(note)s"), now=now, note=reason,
                             why=Gift.DelistReason(reason_code).label)
    return gift


def delist_reason(reason_code: str, reason: str = "") -> str:
    """What a delisting's history says: the note given, else the reason's label as its Chinese message id (translated
    when read, like every reason the system writes), never the raw code."""
    if reason:
        return reason
    with translation.override(settings.LANGUAGE_CODE):
        return str(Gift.DelistReason(reason_code).label)


def request_relisting(*, gift: Gift, actor, now: datetime, reason: str = "") -> Gift:
    """Send an offline gift back to review. :raises SupplierNotCooperating: :raises QualificationBlocked: :raises InvalidTransition:"""
    if gift.state == Gift.State.OFFLINE:
        _check_submittable(gift, now)
    return apply_transition(gift, "request_relisting", actor=actor, at=now, reason=reason)


def start_clearance(*, gift: Gift, actor, now: datetime, points_price: int, settlement_price: Decimal, reason: str = "") -> Gift:
    """Sell an offline gift off at clearance prices.

    :raises ClearanceNotAllowed: unless it was delisted on supplier request or for low sales
    :raises SupplierNotCooperating: unless its supplier is active
    :raises QualificationBlocked: while a licence or certificate its category needs is expired or missing
    :raises InvalidTransition: unless it is offline
    :raises NothingToClear: with no unit of it on hand
    :raises ValidationFailed: for a points price out of bounds, or a clearance price not above zero and below the normal one
    """
    validate_points_price(points_price)
    if gift.state == Gift.State.OFFLINE and not gift.clearance_allowed():
        raise ClearanceNotAllowed()
    if gift.state == Gift.State.OFFLINE:
        check_supplier(gift)
        qualifications.check_qualified(supplier=gift.supplier, category=gift.category, on=timezone.localdate(now))
    check_new_clearance(gift, points_price=points_price, settlement_price=settlement_price)
    with transaction.atomic():
        if gift.state == Gift.State.OFFLINE:
            check_stock_to_clear(gift)
        apply_transition(
            gift, "start_clearance", actor=actor, at=now, reason=reason, points_price=points_price, settlement_price=settlement_price
        )
        _stop_replenishment([gift.pk], state=gift.state, actor=actor, now=now)
        _tell_clearance(gift, now=now, note=reason)
    return gift


def _tell_clearance(gift: Gift, *, now: datetime, note: str) -> None:
    send_gift_notice(gift=gift, kind="gift_clearance", title=gettext_noop("礼品 %(sku)s 开始清仓"), now=now, note=note,
                     body=gettext_noop("%(gift)s 以清仓价销售：%(points)s 积分，结算价 ¥%(price)s。%(note)s"),
                     points=gift.clearance_points_price, price=str(gift.clearance_settlement_price))


def retire_gift(*, gift: Gift, actor, now: datetime, reason: str) -> Gift:
    """Retire an offline or clearance gift for good, saying why (kept in its history and told to its supplier; the
    system, retiring a cleared-out gift, gives its own text); its warehouse stock becomes leftover lots, a change of it
    pending review is withdrawn.

    :raises ValidationFailed: code `required` naming `reason` when a person gives none :raises InvalidTransition:
    """
    if actor is not None:
        reason = required_text(reason)
    with transaction.atomic():
        apply_transition(gift, "retire", actor=actor, at=now, reason=reason)
        _stop_replenishment([gift.pk], state=gift.state, actor=actor, now=now)
        revisions.withdraw_pending_revisions(gift_ids=[gift.pk], actor=actor, now=now)
        send_gift_notice(gift=gift, kind="gift_retired", title=gettext_noop("礼品 %(sku)s 已退市"),
                         body=gettext_noop("%(gift)s 已退市，不再销售。%(note)s"), now=now, note=reason)
        publish(GiftRetired(gift_id=gift.pk, at=now))
    return gift


def clear_retired_gift(*, gift: Gift, actor, now: datetime, points_price: int, settlement_price: Decimal, reason: str = "") -> Gift:
    """A retired gift with leftover stock is sold off at clearance prices (logistics checks the open leftover lot).
    Neither its supplier's cooperation nor its qualifications are asked: the leftovers of a terminated supplier, or of
    one whose licence has lapsed, must still be cleared out of the warehouse.

    :raises InvalidTransition: unless the gift is retired
    :raises NothingToClear: with no unit of it on hand
    :raises ValidationFailed: for a points price out of bounds, or a clearance price not above zero and below the normal one
    """
    validate_points_price(points_price)
    check_new_clearance(gift, points_price=points_price, settlement_price=settlement_price)
    with transaction.atomic():
        if gift.state == Gift.State.RETIRED:
            check_stock_to_clear(gift)
        apply_transition(
            gift, "clear_leftovers", actor=actor, at=now, reason=reason, points_price=points_price, settlement_price=settlement_price
        )
        _tell_clearance(gift, now=now, note=reason)
    return gift


def retire_all_gifts_of(*, supplier: Supplier, actor, now: datetime, reason: str) -> list[int]:
    """Retire every gift of a terminated supplier from whatever state, withdrawing their changes pending review and
    publishing GiftRetired for each."""
    with transaction.atomic():
        retired = bulk_transition(Gift.objects.filter(supplier=supplier), "retire_on_termination", actor=actor, at=now, reason=reason)
        _stop_replenishment(retired, state=Gift.State.RETIRED, actor=actor, now=now)
        revisions.withdraw_pending_revisions(gift_ids=retired, actor=actor, now=now)
        for gift_id in retired:
            publish(GiftRetired(gift_id=gift_id, at=now))
    return retired


def take_gifts_offline(*, gifts: QuerySet[Gift], actor, now: datetime, reason_code: str, reason: str = "") -> list[int]:
    """System delisting: online and clearance gifts of `gifts` go offline with `reason_code`, scheduled publishing stops."""
    values, reason = {"delist_reason": reason_code}, delist_reason(reason_code, reason)
    with transaction.atomic():
        changed = bulk_transition(gifts, "delist", actor=actor, at=now, reason=reason, values=values)
        changed += bulk_transition(gifts, "withdraw_clearance", actor=actor, at=now, reason=reason, values=values)
        _stop_replenishment(changed, state=Gift.State.OFFLINE, actor=actor, now=now)
        schedules.cancel_schedules(gifts, actor=actor, now=now, reason=reason)
    return changed


def delist_all_gifts_of(*, supplier: Supplier, actor, now: datetime, reason_code: str) -> list[int]:
    """Take every online and clearance gift of a supplier offline (suspension)."""
    return take_gifts_offline(gifts=Gift.objects.filter(supplier=supplier), actor=actor, now=now, reason_code=reason_code)


def _stop_replenishment(gift_ids: list[int], *, state: str, actor, now: datetime) -> None:
    """Gifts that have just left sale for `state` (offline, clearance, retired) are not restocked: their open
    replenishment requests are cancelled, the history saying the state they went to."""
    reason = Message(gettext_noop("礼品已转为「%(state)s」，无需补货"), state=Gift.State(state).label)
    inventory.cancel_replenishment(gift_ids=gift_ids, actor=actor, at=now, reason=reason)


def review_queue(*, actor=None) -> tuple[QuerySet[Gift], QuerySet[GiftRevision]]:
    """The review queue: gifts submitted, and changes pending to gifts whose state takes them (none of a gift in review
    or retired); the operators' whole, or (`actor`) its part of the gifts the actor may see: a supplier's home page
    counts its own from it, as the operators' count theirs."""
    gifts = Gift.objects.visible_to(actor) if actor else Gift.objects.all()
    changes = GiftRevision.objects.visible_to(actor) if actor else GiftRevision.objects.all()
    return gifts.filter(state=Gift.State.SUBMITTED), changes.filter(state=GiftRevision.State.PENDING, gift__state__in=revisions.EDIT_BY_REVISION)


def change_in_review() -> Exists:
    """Whether a change of the gift waits in the review queue (`review_queue`): the supplier's gift list marks and
    filters its gifts by it."""
    return Exists(review_queue()[1].filter(gift=OuterRef("pk")))


def publication_queue() -> QuerySet[Gift]:
    """The operator's gifts to put online: approved, no publishing time set, of a supplier whose gifts may be listed
    (a scheduled gift goes online by itself; a suspended supplier's waits for its reactivation). One whose supplier lacks a
    qualification its category needs stays in the queue, shown blocked with why (`qualifications.publication_blockers`)."""
    return Gift.objects.filter(state=Gift.State.APPROVED, publish_at__isnull=True, supplier__state__in=Supplier.OFFERING_STATES)


@waiting_for({Role.OPERATOR})
def reviews_waiting(user) -> QuerySet:
    """What waits on the operators in the catalog: gifts and changes to review, approved gifts to put online; the rows
    of the three queues counted together in one query (UNION ALL: each row counts once, in its own queue)."""
    first, *others = (rows.order_by().values("pk") for rows in (*review_queue(), publication_queue()))
    return first.union(*others, all=True)
