"""Qualifications (资质, SPEC §4.1): uploads reviewed by an operator, renewals, and the daily expiry sweep."""
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from core.errors import ValidationFailed, refuse
from core.files import check_document
from core.fsm import apply_transition, log_creation
from core.jobs import run_each
from core.roles import waiting_for
from core.texts import Message, joined_messages
from core.validators import required_text
from suppliers.errors import QualificationBlocked
from suppliers.models import Category, Gift, ProfileChange, Qualification, Supplier
from suppliers.selectors_profile import WARNING_DAYS, pending_profile_changes, tracked_expiries
from suppliers.services.contracts import DECIDERS, REJECTION_BODY
from suppliers.services.notices import send_notice
from suppliers.validators import validate_credit_code

#: who reviews a supplier's upload, and records one from the papers it received approved as it is made
REVIEWERS = DECIDERS


def qualification_problems(
    *, kind: str, issued_on: date | None, expires_on: date | None, file, certificate_type: str = "", on: date | None = None,
    names: dict[str, str] | None = None,
) -> list[tuple[str, str, str]]:
    """(field, code, message) for each bad value of a licence or certificate, all of them: an issue date after `on`, an
    expiry not after issue or already past on `on`, a certificate without its type, no file or one that is no document. `names` renames the
    fields (an application's `licence_file`). A missing value is code `required`, a wrong one `invalid`."""
    names = names or {}
    problems = []
    if on and issued_on and issued_on > on:
        problems.append(("issued_on", "invalid", gettext("发证日期不能晚于今天")))
    if issued_on and expires_on and expires_on <= issued_on:
        problems.append(("expires_on", "invalid", gettext("有效期须晚于发证日期")))
    elif on and expires_on and expires_on < on:
        problems.append(("expires_on", "invalid", gettext("营业执照已过期，请上传有效的营业执照") if kind == Qualification.Kind.BUSINESS_LICENCE
                         else gettext("证书已过期，请上传有效期内的证书")))
    if kind == Qualification.Kind.PRODUCT_CERTIFICATE and not certificate_type.strip():
        problems.append(("certificate_type", "required", gettext("请填写证书种类")))
    if not file:
        problems.append(("file", "required", gettext("请上传营业执照文件") if kind == Qualification.Kind.BUSINESS_LICENCE else gettext("请上传证书文件")))
    else:
        try:
            check_document(file)
        except ValidationFailed as error:
            problems.append(("file", "invalid", error.detail))
    return [(names.get(name, name), code, message) for name, code, message in problems]


def upload_qualification(
    *, supplier: Supplier, actor, now: datetime, kind: str, number: str, issued_on: date, expires_on: date, file, certificate_type: str = ""
) -> Qualification:
    """Record a licence or certificate (a renewal is simply a newer one), its upload logged: one a supplier's user sends
    waits for an operator's review and counts only once approved; one an operator records is approved as it is made.

    :raises ValidationFailed: naming each bad field (an issue date still to come, an expiry not after issue, a certificate without its type, no file
        or one that is no PDF or scan, a licence whose number is not the supplier's unified social credit code)
    """
    problems = qualification_problems(kind=kind, issued_on=issued_on, expires_on=expires_on, file=file, certificate_type=certificate_type,
                                      on=timezone.localdate(now))
    if kind == Qualification.Kind.BUSINESS_LICENCE:
        number, wrong = _licence_number(number, supplier=supplier)
        problems = wrong + problems
    refuse(problems)
    qualification = Qualification(
        supplier=supplier, kind=kind, certificate_type=certificate_type.strip(), number=number, issued_on=issued_on,
        expires_on=expires_on, file=file, uploaded_at=now,
    )
    with transaction.atomic():
        if getattr(actor, "role", None) in REVIEWERS:
            return apply_transition(qualification, "approve", actor=actor, at=now, created="upload")
        qualification.save()
        log_creation(qualification, "upload", actor=actor, at=now)
    return qualification


def _licence_number(number: str, *, supplier: Supplier) -> tuple[str, list[tuple[str, str, str]]]:
    """A business licence's number is its holder's unified social credit code (SPEC §4.1): 18 characters with their
    check digit, and the supplier's own, or the new code of its credit-code change pending review (whose new licence
    is filed while it waits). The number normalised, and the problem on `number` if it is not."""
    try:
        code = validate_credit_code(number, field="number")
    except ValidationFailed as error:
        return number, [("number", "invalid", error.detail)]
    pending_codes = pending_profile_changes(supplier=supplier).filter(field=ProfileChange.Field.CREDIT_CODE).values_list(
        "new_value__credit_code", flat=True)
    if code != supplier.credit_code and code not in pending_codes:
        message = gettext("营业执照编号须为礼品商的统一社会信用代码 %(credit_code)s") % {"credit_code": supplier.credit_code}
        return code, [("number", "invalid", message)]
    return code, []


def approve_qualification(*, qualification: Qualification, actor, now: datetime, reason: str = "") -> Qualification:
    """Approve an uploaded licence or certificate: from now on it counts — it renews the one it replaces, and lifts the
    block on submitting gifts an expired one set; gifts its expiry delisted go back online through review (the
    supplier is told how many wait for it to ask).

    :raises ValidationFailed: for one already expired (reject it instead) :raises InvalidTransition: unless pending
    """
    if qualification.state == Qualification.State.PENDING and qualification.expires_on < timezone.localdate(now):
        raise ValidationFailed(gettext("该资质已过有效期，不能通过审核，请驳回"), field="expires_on")
    with transaction.atomic():
        apply_transition(qualification, "approve", actor=actor, at=now, reason=reason)
        waiting = _covered_gifts(qualification).filter(state=Gift.State.OFFLINE, delist_reason=Gift.DelistReason.QUALIFICATION_EXPIRED)
        relistable = waiting.count()
        body = gettext_noop("有效期至 %(expires_on)s。") if not relistable else gettext_noop(
            "有效期至 %(expires_on)s。因资质过期下线的 %(relistable)s 个礼品可申请重新上线，经审核后上架。")
        send_notice(
            supplier=qualification.supplier, kind="qualification_approved", now=now, title=gettext_noop("资质审核通过：%(qualification)s"),
            body=body, params={"qualification": qualification.described(), "expires_on": f"{qualification.expires_on:%Y-%m-%d}",
                               "relistable": relistable}, link=reverse("supplier-paperwork"),
        )
    return qualification


def reject_qualification(*, qualification: Qualification, actor, now: datetime, reason: str = "") -> Qualification:
    """Reject an uploaded licence or certificate with a reason, which goes to the supplier's inbox; the one it was to
    replace stays as it is. :raises ValidationFailed: without a reason :raises InvalidTransition: unless pending"""
    required_text(reason, message=gettext("请填写驳回原因"))
    with transaction.atomic():
        apply_transition(qualification, "reject", actor=actor, at=now, reason=reason)
        send_notice(
            supplier=qualification.supplier, kind="qualification_rejected", now=now, title=gettext_noop("资质未通过审核：%(qualification)s"),
            body=REJECTION_BODY, params={"qualification": qualification.described(), "reason": reason.strip()},
            link=reverse("supplier-paperwork"),
        )
    return qualification


@waiting_for(REVIEWERS)
def qualifications_waiting(user) -> QuerySet:
    """Uploaded licences and certificates pending an operator's review."""
    return Qualification.objects.filter(state=Qualification.State.PENDING)


def submission_blockers(*, supplier: Supplier, category, on: date) -> list[tuple[str, str]]:
    """(field, message) for each expired or missing qualification that blocks submitting a gift of `category` (one
    waiting for review does not count yet)."""
    return _blockers(Qualification.objects.filter(supplier=supplier).valid_on(on).values_list("kind", "certificate_type"), category)


def _blockers(valid: Iterable[tuple[str, str]], category) -> list[tuple[str, str]]:
    """`submission_blockers` of a supplier whose valid qualifications are `valid`: (kind, certificate type) of each."""
    valid = list(valid)
    blockers = []
    if not any(kind == Qualification.Kind.BUSINESS_LICENCE for kind, _ in valid):
        blockers.append(("business_licence", gettext("营业执照已过期或缺失，续期前礼品不能送审或上线")))
    held = {certificate_type for kind, certificate_type in valid if kind == Qualification.Kind.PRODUCT_CERTIFICATE}
    for certificate_type in category.required_certificates or []:
        if certificate_type not in held:
            blockers.append(("certificates", gettext("缺少有效的%(certificate_type)s证书") % {"certificate_type": certificate_type}))
    return blockers


def check_qualified(*, supplier: Supplier, category, on: date, field: str = "") -> None:
    """Refuse a step that takes a gift of `category` to review or towards sale (submitting, approving, listing or
    scheduling it, a revision) while a qualification `submission_blockers` names is expired or missing on `on`.

    :raises QualificationBlocked: naming every blocker, on `field` (a change's `category`) or else the first one's
    """
    blockers = submission_blockers(supplier=supplier, category=category, on=on)
    if blockers:
        raise QualificationBlocked(joined_messages(message for _, message in blockers), field=field or blockers[0][0])


def blocked_gift_ids(gifts, *, on: date) -> list[int]:
    """The gifts of `gifts` (a queryset) that `check_qualified` would refuse on `on`."""
    return list(publication_blockers(gifts.select_related("category"), on=on))


def publication_blockers(gifts: Iterable[Gift], *, on: date) -> dict[int, str]:
    """Why `check_qualified` would refuse each of `gifts` on `on` (their categories read with them), by gift id, in the
    words of its refusal; a gift it lets through is left out. One query, whatever the number of gifts."""
    gifts = list(gifts)
    valid: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if gifts:
        held = Qualification.objects.filter(supplier_id__in={gift.supplier_id for gift in gifts}).valid_on(on)
        for supplier_id, kind, certificate_type in held.values_list("supplier_id", "kind", "certificate_type"):
            valid[supplier_id].append((kind, certificate_type))
    return {
        gift.pk: joined_messages(message for _, message in blockers)
        for gift in gifts if (blockers := _blockers(valid[gift.supplier_id], gift.category))
    }


@dataclass(frozen=True)
class SweepResult:
    warned: list[int] = field(default_factory=list)
    expired: list[int] = field(default_factory=list)
    delisted_gifts: list[int] = field(default_factory=list)


ENDED_SUPPLIER_STATES = (Supplier.State.TERMINATED, Supplier.State.REJECTED)


def sweep_qualifications(*, now: datetime) -> SweepResult:
    """The daily expiry sweep (Asia/Shanghai dates): warn a supplier once, WARNING_DAYS before an approved
    qualification expires, and from the day after its expiry delist the gifts it covered, once — unless an approved
    renewal is valid (one waiting for review does not stop either).

    Idempotent: `warned_at` and `expiry_handled_at` are claimed by a conditional update before acting, each
    qualification in a transaction of its own: one that fails is logged and left for the next run (`run_each`).
    """
    today = timezone.localdate(now)
    live = tracked_expiries(
        Qualification.objects.exclude(supplier__state__in=ENDED_SUPPLIER_STATES).select_related("supplier"), on=today
    ).order_by("pk")
    due_warning = live.filter(
        warned_at__isnull=True, renewed=False, expires_on__gte=today, expires_on__lte=today + timedelta(days=WARNING_DAYS)
    )

    def warn(qualification: Qualification) -> int | None:
        if not _claim(qualification, warned_at=now):
            return None
        _warn(qualification, now)
        return qualification.pk

    def expire(qualification: Qualification) -> tuple[int, list[int]] | None:
        if not _claim(qualification, expiry_handled_at=now) or qualification.renewed:
            return None
        delisted = _delist_covered_gifts(qualification, now)
        _tell_expired(qualification, now, delisted=len(delisted))
        return qualification.pk, delisted

    warned = run_each(due_warning, warn, job="suppliers.sweep_qualifications.warn", now=now)
    expired = run_each(live.filter(expiry_handled_at__isnull=True, expires_on__lt=today), expire, job="suppliers.sweep_qualifications.expire", now=now)
    return SweepResult(warned=list(warned), expired=[pk for pk, _gifts in expired], delisted_gifts=[gift for _pk, gifts in expired for gift in gifts])


def _claim(qualification: Qualification, **stamp: datetime) -> bool:
    """Set a still-empty marker; False if another sweep already did."""
    (name,) = stamp
    return Qualification.objects.filter(pk=qualification.pk, **{f"{name}__isnull": True}).update(**stamp) == 1


def _covered_gifts(qualification: Qualification):
    gifts = Gift.objects.filter(supplier_id=qualification.supplier_id)
    if qualification.kind == Qualification.Kind.BUSINESS_LICENCE:
        return gifts
    needing = [c.pk for c in Category.objects.all() if qualification.certificate_type in (c.required_certificates or [])]
    return gifts.filter(category_id__in=needing)


def _delist_covered_gifts(qualification: Qualification, now: datetime) -> list[int]:
    """Online and clearance gifts go offline (reason: qualification expired); scheduled publishing stops."""
    from suppliers.services.catalog import take_gifts_offline  # catalog imports this module for submission checks

    return take_gifts_offline(
        gifts=_covered_gifts(qualification), actor=None, now=now, reason_code=Gift.DelistReason.QUALIFICATION_EXPIRED,
        reason=Message(gettext_noop("资质过期：%(qualification)s"), qualification=qualification.described()),
    )


def _warn(qualification: Qualification, now: datetime) -> None:
    send_notice(
        supplier=qualification.supplier, kind="qualification_expiring", now=now,
        title=gettext_noop("资质即将到期：%(qualification)s，有效期至 %(expires_on)s"),
        body=gettext_noop("请在到期前上传续期后的资质；过期后相关礼品将下线，且不能提交新礼品。"),
        params={"qualification": qualification.described(), "expires_on": f"{qualification.expires_on:%Y-%m-%d}"}, link=reverse("supplier-paperwork"),
    )


def _tell_expired(qualification: Qualification, now: datetime, *, delisted: int) -> None:
    send_notice(
        supplier=qualification.supplier, kind="qualification_expired", now=now,
        title=gettext_noop("资质已过期：%(qualification)s"),
        body=gettext_noop("有效期至 %(expires_on)s，相关礼品已下线（%(delisted)s 个）。上传续期资质后可申请重新上线。"),
        params={"qualification": qualification.described(), "expires_on": f"{qualification.expires_on:%Y-%m-%d}", "delisted": delisted},
        link=reverse("supplier-paperwork"),
    )
