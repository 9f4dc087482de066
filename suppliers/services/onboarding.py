"""Supplier onboarding and the supplier lifecycle (SPEC §4.1)."""
import math
from datetime import date, datetime
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from core.errors import ValidationFailed, refuse
from core.events import publish
from core.fsm import apply_transition, log_creation
from core.login import client_locked_out
from core.roles import Role, waiting_for
from core.texts import joined_messages
from core.validators import password_problems, required_text, validate_mobile
from suppliers.models import Gift, Qualification, Supplier, SupplierMembership
from suppliers.models.contracts import BANK_ACCOUNT_WAITING_DAYS
from suppliers.errors import ActivationBlocked, TooManyApplications
from suppliers.selectors import credit_code_taken
from suppliers.events import SupplierTerminated
from suppliers.services import catalog, contracts
from suppliers.services.notices import decision_note, send_notice
from suppliers.services.qualifications import qualification_problems, upload_qualification
from suppliers.validators import validate_credit_code

User = get_user_model()


#: an application's licence fields, by the names of a qualification's
LICENCE_FIELDS = {"file": "licence_file", "issued_on": "licence_issued_on", "expires_on": "licence_expires_on"}


def application_problems(
    *, on: date, credit_code: str | None = None, contact_phone: str | None = None, username: str | None = None,
    password: str | None = None, contact_email: str = "", licence_file=None, licence_issued_on: date | None = None,
    licence_expires_on: date | None = None,
) -> list[tuple[str, str, str]]:
    """(field, code, message) for every bad value of an application, all of them (a value left out, None, is not
    checked): a credit code without its check digit or another supplier's, a contact phone that is no mobile number, a
    username taken, a password Django's password validators refuse (too short, too common, all digits, too like the
    username or email), and — when any part of the business licence is given — its file, issue date and expiry (not
    expired on `on`)."""
    problems = []
    for check, value in ((validate_credit_code, credit_code), (partial(validate_mobile, field="contact_phone"), contact_phone)):
        if value is not None:
            try:
                checked = check(value)
            except ValidationFailed as error:
                problems.extend(error.errors)
            else:
                if check is validate_credit_code and credit_code_taken(credit_code=checked):
                    problems.append(credit_code_taken_problem())
    if username is not None and User.objects.filter(username__iexact=username).exists():
        problems.append(("username", "invalid", gettext("该用户名已被使用")))
    if password is not None:
        problems += password_problems(password, user=User(username=username or "", email=contact_email or ""))
    licence = {"file": licence_file, "issued_on": licence_issued_on, "expires_on": licence_expires_on}
    if any(licence.values()):
        for name, message in (("issued_on", gettext("请填写营业执照的发证日期")), ("expires_on", gettext("请填写营业执照的有效期"))):
            if not licence[name]:
                problems.append((LICENCE_FIELDS[name], "required", message))
        problems.extend(qualification_problems(kind=Qualification.Kind.BUSINESS_LICENCE, **licence, on=on, names=LICENCE_FIELDS))
    return problems


def credit_code_taken_problem() -> tuple[str, str, str]:
    """The credit code of another supplier, on the field (no name told: the other supplier's data is not the asker's)."""
    return ("credit_code", "taken", gettext("该统一社会信用代码已有礼品商登记，一个企业只能登记为一个礼品商"))


def credit_code_taken_error() -> ValidationFailed:
    field, code, message = credit_code_taken_problem()
    return ValidationFailed(message, field=field, errors=[(field, code, message)])


def limit_applications(*, request, now: datetime) -> None:
    """Count one supplier application from the request's client address (the page's or the API's, before anything in
    it is checked): the `SUPPLIER_APPLICATIONS_PER_CLIENT`-th within `LOGIN_LOCKOUT_MINUTES` locks the address out for
    that long, so that the application's answers (a username or a credit code already taken) cannot be mined.

    :raises TooManyApplications: while the address is locked out, saying when to try again (`retry_after`: seconds)
    """
    seconds = client_locked_out(request, scope="supplier-applications", allowed=settings.SUPPLIER_APPLICATIONS_PER_CLIENT, now=now)
    if seconds is not None:
        raise TooManyApplications(gettext("申请提交过于频繁，请于 %(minutes)s 分钟后再试") % {"minutes": math.ceil(seconds / 60)},
                                  retry_after=seconds)


def apply_as_supplier(
    *,
    name: str,
    credit_code: str,
    contact_name: str,
    contact_phone: str,
    contact_email: str,
    address: str,
    username: str,
    password: str,
    now: datetime,
    licence_file=None,
    licence_issued_on: date | None = None,
    licence_expires_on: date | None = None,
) -> Supplier:
    """Create a supplier in `applied` with an inactive admin user, activated on approval; with its business licence
    (number: the credit code) when one is sent, pending the operator's review with the application. All or nothing.

    The one rule of the licence at application, for the page and the API alike: it is optional (SPEC §3: anyone may
    apply; §4.1: it is activation that needs a valid licence, which `approve_supplier` checks — the operator records
    one from the papers it collects when none was sent), but once any part of it is sent, the file, its issue date and
    its expiry are all required, and it must not have expired.

    :raises ValidationFailed: naming every bad field at once (see application_problems)
    """
    problems = application_problems(
        on=timezone.localdate(now), credit_code=credit_code, contact_phone=contact_phone, username=username,
        password=password, contact_email=contact_email, licence_file=licence_file, licence_issued_on=licence_issued_on, licence_expires_on=licence_expires_on,
    )
    refuse(problems)
    code = validate_credit_code(credit_code)
    contact_phone = validate_mobile(contact_phone, field="contact_phone")
    with transaction.atomic():
        supplier = _create_supplier(
            name=name, credit_code=code, contact_name=contact_name, contact_phone=contact_phone,
            contact_email=contact_email, address=address, applied_at=now,
        )
        admin = User(username=username, role=Role.SUPPLIER_ADMIN, phone=contact_phone, email=contact_email, is_active=False)
        admin.set_password(password)
        admin.save()
        membership = SupplierMembership.objects.create(user=admin, supplier=supplier)
        log_creation(supplier, "apply", actor=admin, at=now)
        log_creation(membership, "create", actor=admin, at=now)
        if licence_file:
            upload_qualification(
                supplier=supplier, actor=admin, now=now, kind=Qualification.Kind.BUSINESS_LICENCE, number=code,
                issued_on=licence_issued_on, expires_on=licence_expires_on, file=licence_file,
            )
    return supplier


def _create_supplier(**values) -> Supplier:
    try:
        with transaction.atomic():
            return Supplier.objects.create(**values)
    except IntegrityError as exc:  # another application with this credit code was written since the check
        raise credit_code_taken_error() from exc


def start_supplier_review(*, supplier: Supplier, actor, now: datetime, reason: str = "") -> Supplier:
    """Take an application into review. :raises InvalidTransition: unless it is `applied`"""
    return apply_transition(supplier, "start_review", actor=actor, at=now, reason=reason)


def _require_activation(supplier: Supplier, now: datetime) -> None:
    missing = contracts.activation_missing(supplier=supplier, now=now)
    if missing:
        raise ActivationBlocked(joined_messages(message for _, message in missing), field=missing[0][0])


def approve_supplier(*, supplier: Supplier, actor, now: datetime, reason: str = "") -> Supplier:
    """Activate a supplier under review and its admin users.

    :raises ActivationBlocked: without an approved contract in force and a valid business licence
    :raises InvalidTransition:
    """
    if supplier.state == Supplier.State.UNDER_REVIEW:
        _require_activation(supplier, now)
    with transaction.atomic():
        apply_transition(supplier, "approve", actor=actor, at=now, reason=reason)
        User.objects.filter(supplier_membership__supplier=supplier, role=Role.SUPPLIER_ADMIN).update(is_active=True)
        body = gettext_noop("管理员账号已启用，可登录礼品商平台提交礼品。%(note)s")
        if not supplier.bank_accounts.exists():  # its statements are paid to one: it is told to add it, and when it pays
            body = gettext_noop("管理员账号已启用，可登录礼品商平台提交礼品。请在“资料信息”中添加收款账户：账户审核通过 %(days)s 天后方可用于结算付款。%(note)s")
        _tell(supplier, "supplier_approved", gettext_noop("入驻申请已通过审核"), now=now, reason=reason, link=reverse("supplier-gifts"),
              body=body, days=BANK_ACCOUNT_WAITING_DAYS)
    return supplier


def reject_supplier(*, supplier: Supplier, actor, now: datetime, reason: str = "") -> Supplier:
    """Reject an application under review (a reason is required). :raises InvalidTransition:"""
    required_text(reason, message=gettext("请填写拒绝原因"))
    with transaction.atomic():
        apply_transition(supplier, "reject", actor=actor, at=now, reason=reason)
        # no inbox page to link: an applicant signing in is shown the reason instead
        _tell(supplier, "application_rejected", gettext_noop("入驻申请未通过审核"), now=now, reason=reason, body=contracts.REJECTION_BODY)
    return supplier


def _tell(supplier: Supplier, kind: str, title: str, *, body: str, now: datetime, reason: str, link: str = "", **params) -> None:
    """Tell the supplier of a decision on its cooperation: `body` may name the reason as %(reason)s, the decider's
    note as %(note)s, and any of `params`."""
    send_notice(supplier=supplier, kind=kind, title=title, body=body, now=now, link=link,
                params={"reason": (reason or "").strip(), "note": decision_note(reason)} | params)


def suspend_supplier(*, supplier: Supplier, actor, now: datetime, reason: str = "") -> Supplier:
    """Suspend an active supplier (a reason is required): its online and clearance gifts go offline, scheduled
    publishing stops.

    :raises ValidationFailed: without a reason :raises InvalidTransition:
    """
    required_text(reason, message=gettext("请说明原因"))  # a decision that ends or halts a cooperation says why
    with transaction.atomic():
        apply_transition(supplier, "suspend", actor=actor, at=now, reason=reason)
        catalog.delist_all_gifts_of(supplier=supplier, actor=actor, now=now, reason_code=Gift.DelistReason.SUPPLIER_SUSPENDED)
        _tell(supplier, "supplier_suspended", gettext_noop("合作已暂停"), now=now, reason=reason, link=reverse("supplier-gifts"),
              body=gettext_noop("原因：%(reason)s\n在售和清仓中的礼品已全部下线；恢复合作后可申请重新上线。"))
    return supplier


def reactivate_supplier(*, supplier: Supplier, actor, now: datetime, reason: str = "") -> Supplier:
    """Reactivate a suspended supplier; its gifts stay offline for relisting through review.

    :raises ActivationBlocked: without an approved contract in force and a valid business licence
    :raises InvalidTransition:
    """
    if supplier.state == Supplier.State.SUSPENDED:
        _require_activation(supplier, now)
    with transaction.atomic():
        apply_transition(supplier, "reactivate", actor=actor, at=now, reason=reason)
        _tell(supplier, "supplier_reactivated", gettext_noop("合作已恢复"), now=now, reason=reason, link=reverse("supplier-gifts"),
              body=gettext_noop("下线的礼品可申请重新上线，经审核后上架。%(note)s"))
    return supplier


def terminate_supplier(*, supplier: Supplier, actor, now: datetime, reason: str = "") -> Supplier:
    """End the cooperation with an active or suspended supplier and retire all its gifts (a reason is required); what
    it owes on closed statements becomes receivable (SupplierTerminated).

    :raises ValidationFailed: without a reason :raises InvalidTransition:
    """
    required_text(reason, message=gettext("请说明原因"))  # a decision that ends or halts a cooperation says why
    with transaction.atomic():
        apply_transition(supplier, "terminate", actor=actor, at=now, reason=reason)
        catalog.retire_all_gifts_of(supplier=supplier, actor=actor, now=now, reason=reason or "supplier terminated")
        _tell(supplier, "supplier_terminated", gettext_noop("合作已终止"), now=now, reason=reason, link=reverse("supplier-gifts"),
              body=gettext_noop("原因：%(reason)s\n全部礼品已退市；仓库中的剩余库存请按遗留礼品通知按期取回。"))
        publish(SupplierTerminated(supplier_id=supplier.pk, actor_id=getattr(actor, "pk", None), at=now))
    return supplier


#: the suppliers list's filter (礼品商管理 ?state=…) of the applications `applications_waiting` counts
AWAITING_DECISION = "awaiting"


def awaiting_decision(suppliers: QuerySet[Supplier]) -> QuerySet[Supplier]:
    """Of `suppliers`, the applications an operator has to decide: applied or under review."""
    return suppliers.filter(state__in=Supplier.ONBOARDING_STATES)


@waiting_for({Role.OPERATOR})
def applications_waiting(user) -> QuerySet:
    """Applications an operator has to decide (`awaiting_decision`), which the suppliers list shows filtered by
    AWAITING_DECISION."""
    return awaiting_decision(Supplier.objects.all())
