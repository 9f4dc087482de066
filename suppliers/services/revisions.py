"""Editing gifts (SPEC §4.2): drafts change in place; a listed gift's change is a revision reviewed by an operator,
and the listed version keeps selling until the revision is approved."""
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from core.errors import InvalidTransition, PermissionDenied, ValidationFailed, refuse
from core.fsm import apply_transition, bulk_transition, log_creation, require_transition
from core.models import Program, Tier
from core.roles import SUPPLIER_ROLES
from core.texts import listed, yuan
from core.validators import required_text
from suppliers.models import Category, Gift, GiftPrice, GiftRevision, StockRecord
from suppliers.services import inventory, qualifications
from suppliers.services import publication_schedules as schedules
from suppliers.services.clearance import check_normal_prices
from suppliers.services.contracts import check_contracted_programs
from suppliers.services.cooperation import check_supplier
from suppliers.services.gift_images import discard_unused, is_picture_entry, stored_uploads, too_many_images
from suppliers.services.locks import lock_gift
from suppliers.services.notices import send_gift_notice, send_inbox_notices
from suppliers.validators import POINTS_LIMIT, is_points_price
from suppliers.errors import RevisionPending

EDITABLE = {
    "name", "description", "category", "images", "specification", "warranty_text", "market_price", "settlement_price",
    "fulfilment", "min_tier", "tier_discounts", "points_prices",
}
MAX_MONEY = Decimal("10000000000")  # DecimalField(max_digits=12, decimal_places=2)
EDIT_IN_PLACE = {Gift.State.DRAFT, Gift.State.REJECTED}
EDIT_BY_REVISION = {Gift.State.APPROVED, Gift.State.ONLINE, Gift.State.OFFLINE, Gift.State.CLEARANCE}


def category_code(value: Any) -> str | None:
    """The code of the category `value` names: its code, or its Chinese or English name as the pages show it."""
    text = str(value or "").strip()
    if not text:
        return None
    match = Category.objects.filter(Q(code=text) | Q(name=text) | Q(name_en__iexact=text)).order_by("code").first()
    return match.code if match is not None else None


def _category(code: str) -> Category:
    """The category a cleaned change names by its code, looked up when the change is checked and when it is applied.

    :raises ValidationFailed: on `category` if it is gone (deleted since the change was asked for)
    """
    category = Category.objects.filter(code=code).first()
    if category is None:
        raise ValidationFailed(gettext("礼品类别「%(code)s」已不存在，不能改入该类别") % {"code": code}, field="category")
    return category


def clean_changes(changes: dict[str, Any], *, gift: Gift | None = None) -> dict[str, Any]:
    """Validate a change set (of `gift`, whose other values it is checked with; None: a new gift) and return it
    JSON-ready (category by code, money as strings).

    :raises ValidationFailed: naming every bad field
    """
    errors: list[tuple[str, str, str]] = []
    unknown = set(changes) - EDITABLE
    errors += [(field, "not_editable", gettext("该字段不可修改")) for field in sorted(unknown)]
    cleaned = {k: v for k, v in changes.items() if k in EDITABLE}
    if "name" in cleaned and not (isinstance(cleaned["name"], str) and 0 < len(cleaned["name"].strip()) <= 200):
        errors.append(("name", "invalid", gettext("请填写名称（最多200字）")))
    if "category" in cleaned:
        code = category_code(getattr(cleaned["category"], "code", cleaned["category"]))
        if code is None:
            known = listed(gettext("%(code)s（%(name)s）") % {"code": category.code, "name": category.label}
                           for category in Category.objects.order_by("code"))
            message = gettext("未知的礼品类别「%(value)s」，可用的类别代码：%(known)s")
            errors.append(("category", "invalid", message % {"value": cleaned["category"], "known": known}))
        cleaned["category"] = code if code is not None else cleaned["category"]
    for money in ("market_price", "settlement_price"):
        if money in cleaned:
            try:
                value = Decimal(str(cleaned[money]))
            except ArithmeticError:
                value = Decimal("NaN")
            if not value.is_finite() or value < 0 or value >= MAX_MONEY or value != value.quantize(Decimal("0.01")):
                errors.append((money, "invalid", gettext("金额须为非负数，最多两位小数、十位整数")))
                continue
            cleaned[money] = str(value.quantize(Decimal("0.01")))
    errors += _settlement_above_market(cleaned, gift, bad={field for field, *_ in errors})
    if "points_prices" in cleaned:
        prices, programs = cleaned["points_prices"], list(Program.objects.all())
        if not isinstance(prices, dict) or not prices or set(prices) - {program.code for program in programs} or not all(
            map(is_points_price, prices.values())
        ):
            message = gettext("至少为一个积分计划（%(programs)s）设置 1–%(points_limit)s 的整数积分价")
            names = listed(program.label for program in programs)
            errors.append(("points_prices", "invalid", message % {"programs": names, "points_limit": POINTS_LIMIT}))
    if "tier_discounts" in cleaned:
        discounts = cleaned["tier_discounts"]
        if not isinstance(discounts, dict) or set(discounts) - set(Tier.values) or any(
            not isinstance(p, int) or isinstance(p, bool) or not 0 <= p < 100 for p in discounts.values()
        ):
            errors.append(("tier_discounts", "invalid", gettext("等级折扣须为已知等级（silver/gold/diamond/standard）的 0–99 整数百分比")))
    if "min_tier" in cleaned and cleaned["min_tier"] not in Tier.values:
        errors.append(("min_tier", "invalid", gettext("未知的会员等级")))
    if "fulfilment" in cleaned and cleaned["fulfilment"] not in Gift.Fulfilment.values:
        errors.append(("fulfilment", "invalid", gettext("履约方式为 warehouse 或 dropship")))
    if "images" in cleaned and (not isinstance(cleaned["images"], list) or not all(map(is_picture_entry, cleaned["images"]))):
        errors.append(("images", "invalid", gettext("每行须为上传的图片（gifts/…）或以 https:// 开头的网址")))
    elif "images" in cleaned and (message := too_many_images(len(cleaned["images"]))):
        errors.append(("images", "invalid", message))
    refuse(errors)
    return cleaned


def _settlement_above_market(cleaned: dict[str, Any], gift: Gift | None, *, bad: set[str]) -> list[tuple[str, str, str]]:
    """A settlement price above the market price, on the settlement price: the operator pays a supplier at most what
    the gift sells for. A price the change leaves out is the gift's own; one already refused is not compared."""
    prices = {"market_price", "settlement_price"}
    if not prices & set(cleaned) or prices & bad:
        return []
    market = cleaned.get("market_price", getattr(gift, "market_price", None))
    settlement = cleaned.get("settlement_price", getattr(gift, "settlement_price", None))
    if market is None or settlement is None or Decimal(str(settlement)) <= Decimal(str(market)):
        return []
    return [("settlement_price", "above_market_price", gettext("结算价不能高于市场价 %(market)s") % {"market": yuan(market)})]


#: units of a gift still on their way into stock (logistics registers its announced inbound shipments)
stock_on_the_way: list[Callable[[Gift], int]] = []


def check_fulfilment_change(gift: Gift, changes: dict[str, Any]) -> None:
    """A gift changes how it is fulfilled only with no stock held for it (on hand, reserved for orders, or announced
    and on its way): the units would otherwise stay where the new way never ships from, neither sold nor collected.
    :raises ValidationFailed: on `fulfilment`"""
    if gift.pk is None or changes.get("fulfilment", gift.fulfilment) == gift.fulfilment:
        return
    held = StockRecord.objects.filter(gift=gift).aggregate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
    on_hand, reserved, coming = held["on_hand"] or 0, held["reserved"] or 0, sum(count(gift) for count in stock_on_the_way)
    if on_hand or reserved:
        raise ValidationFailed(
            gettext("该礼品仍有库存 %(on_hand)s 件（其中 %(reserved)s 件已被订单占用），清空库存后才能更改履约方式")
            % {"on_hand": on_hand, "reserved": reserved},
            field="fulfilment",
        )
    if coming:
        raise ValidationFailed(gettext("该礼品仍有 %(coming)s 件已预报、待入库，收货后才能更改履约方式") % {"coming": coming},
                               field="fulfilment")


def apply_changes(gift: Gift, changes: dict[str, Any], *, actor, now: datetime) -> None:
    """Write cleaned changes to the gift (saving it, also a new one: an existing one only in the columns changed, so
    that nothing else of its row read before is written back) and its per-program prices; pictures the change leaves
    out are deleted from the storage once it is committed; a gift turned dropship is no longer restocked in a
    warehouse, so its open replenishment requests are cancelled. An existing gift is the row read under its lock
    (`lock_gift`), its state checked on it."""
    turns_dropship = gift.pk is not None and gift.fulfilment == Gift.Fulfilment.WAREHOUSE and changes.get("fulfilment") == Gift.Fulfilment.DROPSHIP
    if "images" in changes and gift.pk is not None:
        dropped = set(gift.images or []) - set(changes["images"])
        transaction.on_commit(lambda: discard_unused(gift.supplier_id, dropped))
    creating = gift.pk is None
    for field, value in changes.items():
        if field == "category":
            gift.category = _category(value)
        elif field in {"market_price", "settlement_price"}:
            setattr(gift, field, Decimal(value))
        elif field != "points_prices":
            setattr(gift, field, value)
    gift.save(update_fields=None if creating else [field for field in changes if field != "points_prices"])
    if "points_prices" in changes:
        prices = changes["points_prices"]
        programs = {p.code: p for p in Program.objects.all()}
        GiftPrice.objects.filter(gift=gift).exclude(program__code__in=prices).delete()
        for code, points in prices.items():
            GiftPrice.objects.update_or_create(gift=gift, program=programs[code], defaults={"points_price": points})
    if turns_dropship:
        inventory.cancel_replenishment(gift_ids=[gift.pk], actor=actor, at=now, reason=gettext_noop("礼品改为礼品商直发，无需补货"))


def edit_gift(*, gift: Gift, actor, now: datetime, changes: dict[str, Any], uploads: Iterable = ()) -> Gift | GiftRevision:
    """Change a draft or rejected gift in place, or propose a revision of an approved or listed one; `uploads` are
    pictures added after the gift's own (or after `changes["images"]`), kept only when the change is.

    :raises ValidationFailed: for bad values, a settlement price above the market price, an upload that is no accepted
        picture, or a clearance gift's normal price lowered to its clearance price (judged first, whatever the state)
    :raises InvalidTransition: while the gift is in review or retired, judged on its row read again under its lock (a
        draft a colleague submitted meanwhile is refused, saying so) :raises RevisionPending: a revision already pending
    :raises QualificationBlocked: for a revision while a qualification the category it leaves the gift in needs is expired or missing
    """
    def validated(gift: Gift) -> dict[str, Any]:  # the stored pictures come after the gift's (or the changed) ones
        given = changes | {"images": list(changes.get("images", gift.images or [])) + stored} if stored else changes
        cleaned = clean_changes(given, gift=gift)
        check_fulfilment_change(gift, cleaned)
        check_normal_prices(gift, cleaned)
        if "points_prices" in cleaned:
            check_contracted_programs(supplier=gift.supplier, program_codes=cleaned["points_prices"], on=timezone.localdate(now))
        return cleaned

    before = changes.get("images", gift.images or [])
    with stored_uploads(supplier_id=gift.supplier_id, uploads=uploads, after=before if isinstance(before, list) else []) as stored:
        validated(gift)  # bad input is named first, whatever state the gift is in
        with transaction.atomic():
            gift = _editable(gift)  # read again under its lock: a colleague may have submitted it (or changed it) meanwhile
            cleaned = validated(gift)  # judged again on the gift as it is now
            if gift.state in EDIT_IN_PLACE:
                apply_changes(gift, cleaned, actor=actor, now=now)
                return gift
            if GiftRevision.objects.filter(gift=gift, state=GiftRevision.State.PENDING).exists():
                raise RevisionPending(gettext("已有待审核的修改"), field="changes")
            _check_change_qualified(gift, cleaned, now=now)
            revision = GiftRevision.objects.create(gift=gift, changes=cleaned, requested_by=actor, requested_at=now)
            log_creation(revision, "request", actor=actor, at=now)
            return revision


def _check_editable(gift: Gift, *, message: str = "") -> None:
    """A gift takes a change, in place or by review, only in the states that allow one. :raises InvalidTransition:
    naming its state (in `message` where given, a text naming it as `%(state)s`)"""
    if gift.state not in EDIT_IN_PLACE:
        _check_revisable(gift, message=message)


def _editable(gift: Gift) -> Gift:
    """The gift read again under its lock (inside the caller's transaction), its state checked on that row, not on the one the request loaded (a colleague may have submitted the draft meanwhile).
    :raises InvalidTransition: naming the state it is in now, and that it changed since the gift was read where so"""
    fresh = lock_gift(gift.pk)
    moved = gettext("礼品在您打开后已变为「%(state)s」状态，不能再修改，请查看后再操作") if fresh.state != gift.state else ""
    _check_editable(fresh, message=moved)
    return fresh


def _check_revisable(gift: Gift, *, message: str = "") -> None:
    """A revision is asked for, and applies, only while the gift's state takes changes by review (EDIT_BY_REVISION).

    :raises InvalidTransition: naming the gift's state (in `message` where given, a text naming it as `%(state)s`)
    """
    if gift.state not in EDIT_BY_REVISION:
        message = message or gettext("礼品处于「%(state)s」状态，不能修改")
        raise InvalidTransition(message % {"state": gift.get_state_display()}, field="state")


def _check_change_qualified(gift: Gift, changes: dict[str, Any], *, now: datetime) -> None:
    """A listed gift's change goes to review, and applies, only while its supplier holds what the category the change
    leaves it in needs (SPEC §4.1): a move into another category is refused on `category`.

    :raises QualificationBlocked: :raises ValidationFailed: on `category` if the category it moves the gift into is gone
    """
    moved = changes.get("category", gift.category.code) != gift.category.code
    category = _category(changes["category"]) if moved else gift.category
    qualifications.check_qualified(supplier=gift.supplier, category=category, on=timezone.localdate(now), field="category" if moved else "")


def approve_revision(*, revision: GiftRevision, actor, now: datetime, reason: str = "") -> GiftRevision:
    """Apply a pending revision to its gift. :raises InvalidTransition: unless pending, or while the gift is in review
    or retired :raises ValidationFailed: a fulfilment change
    while stock is held, a normal price at or below the clearance price the gift has gone on sale at since, or a move
    into a category deleted since
    :raises QualificationBlocked: while a qualification the category it leaves the gift in needs is expired or missing"""
    require_transition(revision, "approve")
    with transaction.atomic():
        gift = lock_gift(revision.gift_id)  # read again under its lock: against an inbound announced meanwhile,
        _check_revisable(gift)  # and judged as it is now, not as the revision's page read it (retired, back in review…)
        revision.gift = gift
        _check_change_qualified(revision.gift, revision.changes, now=now)  # a certificate may have expired since
        check_fulfilment_change(revision.gift, revision.changes)  # stock may have arrived since the change was asked for
        check_normal_prices(revision.gift, revision.changes)  # the gift may have gone on clearance since
        apply_transition(revision, "approve", actor=actor, at=now, reason=reason, decided_at=now)
        apply_changes(revision.gift, revision.changes, actor=actor, now=now)
        inventory.open_warehouse_stock(gift=revision.gift)  # a gift turned to the warehouses is on 库存 from now, as approved
        send_gift_notice(gift=revision.gift, kind="revision_approved", title=gettext_noop("礼品 %(sku)s 的修改已通过审核"),
                         body=gettext_noop("%(gift)s：修改已生效。%(note)s"), now=now, note=reason)
    return revision


def reject_revision(*, revision: GiftRevision, actor, now: datetime, reason: str = "") -> GiftRevision:
    """Refuse a pending revision with a reason, which goes to the supplier's inbox; the gift keeps its listed version.

    :raises ValidationFailed: without a reason :raises InvalidTransition:
    """
    required_text(reason, message=gettext("请填写驳回原因"))
    with transaction.atomic():
        apply_transition(revision, "reject", actor=actor, at=now, reason=reason, decided_at=now)
        _discard_proposed_pictures(revision)
        gift = revision.gift
        send_gift_notice(gift=gift, kind="revision_rejected", title=gettext_noop("礼品 %(sku)s 的修改未通过审核"),
                         body=gettext_noop("%(gift)s：%(reason)s"), now=now, reason=reason.strip())
    return revision


def withdraw_revision(*, revision: GiftRevision, actor, now: datetime, reason: str = "") -> GiftRevision:
    """The supplier takes back its own pending revision (a typo spotted before review): the gift keeps its listed
    version and may be edited again at once.

    :raises PermissionDenied: unless one of the gift's supplier's users :raises InvalidTransition: unless pending
    """
    if getattr(actor, "role", None) not in SUPPLIER_ROLES or actor.supplier_id != revision.gift.supplier_id:
        raise PermissionDenied(gettext("只有礼品商自己的用户可以撤回修改"))
    with transaction.atomic():
        apply_transition(revision, "withdraw", actor=actor, at=now, reason=reason, decided_at=now)
        _discard_proposed_pictures(revision)
    return revision


#: why a retired gift's pending revision is withdrawn, as its history says
WITHDRAWN_ON_RETIREMENT = gettext_noop("礼品已退市，待审核的修改随之撤回")


def withdraw_pending_revisions(*, gift_ids: list[int], actor, now: datetime) -> list[int]:
    """Withdraw the pending revisions of gifts just retired (never listed again, nothing for a review to apply to), each
    recorded with the reason; the pictures they proposed are deleted once committed. The revisions withdrawn."""
    pending = GiftRevision.objects.filter(gift_id__in=gift_ids, state=GiftRevision.State.PENDING)
    proposed = list(pending.select_related("gift"))
    withdrawn = bulk_transition(pending, "withdraw", actor=actor, at=now, reason=WITHDRAWN_ON_RETIREMENT, values={"decided_at": now})
    for revision in proposed:
        if revision.pk in withdrawn:
            _discard_proposed_pictures(revision)
    return withdrawn


def pending_revision(gift: Gift) -> GiftRevision | None:
    """The gift's revision waiting for review, if any."""
    return GiftRevision.objects.filter(gift=gift, state=GiftRevision.State.PENDING).first()


def _discard_proposed_pictures(revision: GiftRevision) -> None:
    """Delete, once committed, the pictures uploaded with a revision that will never apply."""
    gift = revision.gift
    proposed = set(revision.changes.get("images", [])) - set(gift.images or [])
    transaction.on_commit(lambda: discard_unused(gift.supplier_id, proposed))


def schedule_publication(*, gift: Gift, actor, now: datetime, publish_at: datetime) -> Gift:
    """Publish an approved gift automatically at `publish_at`. :raises InvalidTransition: unless approved :raises ValidationFailed: unless in
    the future :raises SupplierNotCooperating: unless its supplier is active :raises QualificationBlocked: while a qualification its
    category needs is expired or missing"""
    require_transition(gift, schedules.SCHEDULE, conditions=False)  # its supplier's cooperation is said just below
    if publish_at <= now:
        raise ValidationFailed(gettext("上线时间须在未来"), field="publish_at")
    check_supplier(gift)
    qualifications.check_qualified(supplier=gift.supplier, category=gift.category, on=timezone.localdate(now))
    return apply_transition(gift, schedules.SCHEDULE, actor=actor, at=now, reason=schedules.scheduled_for(publish_at), publish_at=publish_at)


def cancel_publication_schedule(*, gift: Gift, actor, now: datetime, reason: str) -> Gift:
    """Drop an approved gift's time to go online: it stays approved, to be put online now or scheduled again.

    :raises InvalidTransition: unless approved with a time set, whatever the reason :raises ValidationFailed: code
        `required` naming `reason` when none is given"""
    require_transition(gift, schedules.CANCEL)
    reason = required_text(reason)
    return apply_transition(gift, schedules.CANCEL, actor=actor, at=now, reason=reason)


def publish_scheduled_gifts(*, now: datetime) -> list[int]:
    """Publish every approved gift whose time has come and whose supplier is active (beat, every minute): the
    publish transition's condition (a supplier offering gifts) holds for every row. One whose supplier lacks a
    qualification its category needs (`qualifications.check_qualified`) is not published: its schedule is cancelled,
    as the expiry sweep cancels it, and its supplier told."""
    due = Gift.objects.filter(state=Gift.State.APPROVED, publish_at__lte=now, supplier__state="active")
    with transaction.atomic():
        blocked = qualifications.blocked_gift_ids(due, on=timezone.localdate(now))
        if blocked:
            _cancel_schedules(blocked, now=now)
            due = due.exclude(pk__in=blocked)
        published = []
        for schedule, gift_ids in schedules.by_scheduler(list(due.values_list("pk", flat=True))):
            published += bulk_transition(due.filter(pk__in=gift_ids), "publish", actor=schedule and schedule.actor, at=now,
                                         reason=schedules.published_as_scheduled(schedule), values={"publish_at": None}, conditions_met=True)
        listed = Gift.objects.filter(pk__in=published).values_list("pk", "sku", "name", "supplier_id")
        send_inbox_notices([(supplier_id, {"sku": sku, "gift": name}, reverse("gift-detail", args=[pk])) for pk, sku, name, supplier_id in listed],
                           kind="gift_published", title=gettext_noop("礼品 %(sku)s 已上线"), body=gettext_noop("%(gift)s 已按计划时间上架。"),
                           now=now)
    return published


def _cancel_schedules(gift_ids: list[int], *, now: datetime) -> None:
    """The gifts stay approved without a publishing time (an operator lists them once the supplier has renewed); each
    supplier is told in its inbox."""
    schedules.cancel_schedules(Gift.objects.filter(pk__in=gift_ids), actor=None, now=now, reason=gettext_noop("资质已过期或缺失，定时上线取消"))
    gifts = Gift.objects.filter(pk__in=gift_ids).values_list("pk", "sku", "name", "supplier_id")
    send_inbox_notices([(supplier_id, {"sku": sku, "gift": name}, reverse("gift-detail", args=[pk])) for pk, sku, name, supplier_id in gifts],
                       kind="gift_schedule_cancelled", title=gettext_noop("礼品 %(sku)s 未能按计划上线"),
                       body=gettext_noop("%(gift)s：营业执照或该类礼品所需的证书已过期或缺失，定时上线已取消。续期资质审核通过后，由运营重新安排上线。"),
                       now=now)
