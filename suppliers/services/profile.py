"""Reviewed changes of a supplier's bank account, legal name and credit code (信息资料管理, SPEC §4.1).

A supplier admin asks, an operator decides. The request keeps the value it replaces, so the
requests are the history; an approved bank account is a new BankAccount row, usable for
payments BANK_ACCOUNT_WAITING_DAYS after approval (see selectors_profile.payable_account).
The contact person (name, mobile phone, email), the address and the SMS setting (which notices also reach the contact
by SMS) need no review (SPEC names none): the admin's change is approved as it is made, and kept in the same history.
"""
import re
from datetime import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop

from core.errors import PermissionDenied, ValidationFailed, refuse
from core.files import check_document
from core.fsm import apply_transition, log_creation
from core.roles import Role, waiting_for
from core.services import log_personal_data_access
from suppliers.services.contracts import DECIDERS, REJECTION_BODY
from suppliers.services.notices import decision_note, send_notice
from suppliers.services.onboarding import credit_code_taken_error, credit_code_taken_problem
from suppliers.models import BankAccount, ProfileChange, Supplier
from suppliers.selectors import credit_code_taken
from suppliers.selectors_profile import latest_bank_account, reviews_change
from suppliers.validators import validate_credit_code
from core.validators import length_error, required_text, validate_mobile
from suppliers.errors import ChangePending

Field = ProfileChange.Field
BANK_FIELDS = {"bank_name": 100, "account_name": 200}
VALUE_FIELDS = {
    Field.BANK_ACCOUNT: ("bank_name", "account_name", "account_number"),
    Field.LEGAL_NAME: ("legal_name",),
    Field.CREDIT_CODE: ("credit_code",),
    Field.CONTACT: ("contact_name", "contact_phone", "contact_email"),
    Field.ADDRESS: ("address",),
    Field.SMS_NOTICES: ("sms_notices",),
}
OPTIONAL = {"contact_email"}
#: the reason the approval of a change made without review records (which changes those are: ProfileChange.APPLIED_AS_MADE)
NO_REVIEW = {Field.CONTACT: gettext_noop("联系人信息无需审核，提交即生效"), Field.ADDRESS: gettext_noop("地址无需审核，提交即生效"),
             Field.SMS_NOTICES: gettext_noop("短信通知设置无需审核，提交即生效")}
ACCOUNT_NUMBER = re.compile(r"^\d{8,32}$")
#: the document a reviewed change comes with, which the operator checks the new value against
EVIDENCE = {Field.BANK_ACCOUNT: gettext_noop("请上传开户许可证或银行开户证明"), Field.LEGAL_NAME: gettext_noop("请上传新的营业执照"),
            Field.CREDIT_CODE: gettext_noop("请上传新的营业执照")}


def request_profile_change(
    *, supplier: Supplier, actor, now: datetime, field: str, bank_name: str = "", account_name: str = "",
    account_number: str = "", legal_name: str = "", credit_code: str = "", contact_name: str = "", contact_phone: str = "",
    contact_email: str = "", address: str = "", sms_notices: str = "", evidence=None,
) -> ProfileChange:
    """Ask an operator to review a change of one profile field, with its evidence (EVIDENCE: a PDF or scan); the current
    value is kept with the request. A change of the contact person, the address or the SMS setting is approved at once,
    by its maker, and applied.

    :raises PermissionDenied: unless the actor is an admin of this supplier
    :raises ValidationFailed: naming every bad or stray value
    :raises ChangePending: while a change of the same field is pending
    """
    _require_own_admin(actor, supplier.pk)
    supplier = Supplier.objects.get(pk=supplier.pk)  # the caller's copy may predate an approved change
    given = {"bank_name": bank_name, "account_name": account_name, "account_number": account_number,
             "legal_name": legal_name, "credit_code": credit_code, "contact_name": contact_name, "contact_phone": contact_phone,
             "contact_email": contact_email, "address": address, "sms_notices": sms_notices}
    new_value = _clean(supplier, field, {name: (value or "").strip() for name, value in given.items()}, evidence)
    if ProfileChange.objects.filter(supplier=supplier, field=field, state=ProfileChange.State.PENDING).exists():
        raise _already_pending()
    try:
        with transaction.atomic():
            change = ProfileChange.objects.create(
                supplier=supplier, field=field, old_value=current_value(supplier=supplier, field=field),
                new_value=new_value, requested_by=actor, requested_at=now, evidence=evidence,
            )
            log_creation(change, "request", actor=actor, at=now)
            if field in ProfileChange.APPLIED_AS_MADE:
                _approve(change, actor=actor, now=now, reason=NO_REVIEW[field])
            return change
    except IntegrityError as exc:  # a concurrent request for the same field won the race
        raise _already_pending() from exc


def approve_profile_change(*, change: ProfileChange, actor, now: datetime, reason: str = "") -> ProfileChange:
    """Approve a pending change and apply it: a new bank account (usable after the waiting days) or the new name or code.

    :raises ValidationFailed: on credit_code, for a code another supplier has registered since the request
    :raises InvalidTransition: unless the change is pending
    """
    with transaction.atomic():
        _approve(change, actor=actor, now=now, reason=reason)
        send_notice(supplier=change.supplier, kind="profile_change_approved", title=gettext_noop("资料变更已通过审核：%(field)s"),
                    body=gettext_noop("变更已生效。%(note)s"), params={"field": Field(change.field).label, "note": decision_note(reason)},
                    now=now, link=reverse("supplier-profile"))
    return change


def _approve(change: ProfileChange, *, actor, now: datetime, reason: str) -> None:
    value = change.new_value
    if change.field == Field.CREDIT_CODE and credit_code_taken(credit_code=value["credit_code"], other_than=change.supplier_id):
        raise credit_code_taken_error()  # another supplier registered the code since the request
    apply_transition(change, "approve", actor=actor, at=now, reason=reason, decided_at=now)
    if change.field == Field.BANK_ACCOUNT:
        BankAccount.objects.create(supplier_id=change.supplier_id, approved_at=now, **value)
    elif change.field == Field.LEGAL_NAME:
        Supplier.objects.filter(pk=change.supplier_id).update(name=value["legal_name"])
    elif change.field == Field.CREDIT_CODE:
        Supplier.objects.filter(pk=change.supplier_id).update(credit_code=value["credit_code"])
    else:
        Supplier.objects.filter(pk=change.supplier_id).update(**value)


def reject_profile_change(*, change: ProfileChange, actor, now: datetime, reason: str = "") -> ProfileChange:
    """Refuse a pending change with a reason, which goes to the supplier's inbox; nothing about the supplier changes.

    :raises ValidationFailed: without a reason
    :raises InvalidTransition: unless the change is pending
    """
    required_text(reason, message=gettext("请填写驳回原因"))
    with transaction.atomic():
        apply_transition(change, "reject", actor=actor, at=now, reason=reason, decided_at=now)
        send_notice(supplier=change.supplier, kind="profile_change_rejected", title=gettext_noop("资料变更未通过审核：%(field)s"),
                    body=REJECTION_BODY, params={"field": Field(change.field).label, "reason": reason.strip()}, now=now,
                    link=reverse("supplier-profile"))
    return change


def withdraw_profile_change(*, change: ProfileChange, actor, now: datetime, reason: str = "") -> ProfileChange:
    """The supplier admin takes back its own pending request; nothing about the supplier changes and the same field
    may be requested again at once.

    :raises PermissionDenied: unless an admin of the change's supplier (who alone may request one)
    :raises InvalidTransition: unless the change is pending
    """
    _require_own_admin(actor, change.supplier_id)
    return apply_transition(change, "withdraw", actor=actor, at=now, reason=reason, decided_at=now)


def record_review_read(*, change: ProfileChange, actor, now: datetime) -> None:
    """The operator deciding a pending bank account change reads its account numbers whole: the read is recorded in the
    personal data access log (SPEC §4.13)."""
    if change.field == Field.BANK_ACCOUNT and reviews_change(actor, change):
        log_personal_data_access(actor=actor, subject=change, fields=["account_number"], purpose="profile_change_review", at=now)


def _require_own_admin(actor, supplier_id: int) -> None:
    if getattr(actor, "role", None) != Role.SUPPLIER_ADMIN or actor.supplier_id != supplier_id:
        raise PermissionDenied(gettext("只有礼品商管理员可以申请资料变更"))


def current_value(*, supplier: Supplier, field: str) -> dict:
    """What a change of `field` would replace, in the shape of its new value ({} before any bank account)."""
    if field == Field.LEGAL_NAME:
        return {"legal_name": supplier.name}
    if field == Field.CREDIT_CODE:
        return {"credit_code": supplier.credit_code}
    if field in ProfileChange.APPLIED_AS_MADE:
        return {name: getattr(supplier, name) for name in VALUE_FIELDS[field]}
    account = latest_bank_account(supplier=supplier)
    return {name: getattr(account, name) for name in VALUE_FIELDS[Field.BANK_ACCOUNT]} if account else {}


def _clean(supplier: Supplier, field: str, given: dict[str, str], evidence) -> dict[str, str]:
    if field not in VALUE_FIELDS:
        raise ValidationFailed(gettext("请选择变更项：收款账户、企业名称、统一社会信用代码、联系人、地址或短信通知"), field="field")
    errors = [
        (name, "not_for_this_field", gettext("该项与所选变更无关，请留空"))
        for name, value in given.items() if value and name not in VALUE_FIELDS[field]
    ]
    value = {name: given[name] for name in VALUE_FIELDS[field]}
    for name in VALUE_FIELDS[field]:
        if not value[name] and name not in OPTIONAL:
            errors.append((name, "required", gettext("该项不能为空")))
    if field == Field.BANK_ACCOUNT:
        value["account_number"] = re.sub(r"[\s-]", "", value["account_number"])
        if value["account_number"] and not ACCOUNT_NUMBER.match(value["account_number"]):
            errors.append(("account_number", "invalid", gettext("账号须为8–32位数字")))
        errors += [
            (name, "too_long", gettext("最多%(limit)s个字符") % {"limit": limit})
            for name, limit in BANK_FIELDS.items() if len(value[name]) > limit
        ]
    elif field == Field.LEGAL_NAME and len(value["legal_name"]) > 200:
        errors.append(("legal_name", "too_long", gettext("最多200个字符")))
    elif field == Field.CONTACT:
        errors += _contact_errors(value)
    elif field == Field.ADDRESS and (too_long := length_error(value["address"], model=Supplier, column="address")):
        errors.append(("address", "too_long", too_long))
    elif field == Field.SMS_NOTICES and value["sms_notices"] and value["sms_notices"] not in Supplier.SmsNotices.values:
        errors.append(("sms_notices", "invalid", gettext("请选择全部通知、仅需我方处理的通知或不发短信")))
    elif field == Field.CREDIT_CODE and value["credit_code"]:
        try:
            value["credit_code"] = validate_credit_code(value["credit_code"])
        except ValidationFailed as error:
            errors.append(("credit_code", error.code, error.detail))
        else:
            if credit_code_taken(credit_code=value["credit_code"], other_than=supplier.pk):
                errors.append(credit_code_taken_problem())
    errors += _evidence_errors(field, evidence)
    if not errors and value == current_value(supplier=supplier, field=field):
        errors.append((VALUE_FIELDS[field][0 if field == Field.CONTACT else -1], "unchanged", gettext("与当前资料相同，无需变更")))
    refuse(errors)
    return value


def _evidence_errors(field: str, evidence) -> list[tuple[str, str, str]]:
    """The evidence a reviewed change needs (a PDF or scan of at most 10 MB), and none on a change needing no review."""
    if field not in EVIDENCE:
        return [("evidence", "not_for_this_field", gettext("该项与所选变更无关，请留空"))] if evidence else []
    if not evidence:
        return [("evidence", "required", gettext(EVIDENCE[field]))]
    try:
        check_document(evidence, field="evidence")
    except ValidationFailed as error:
        return [("evidence", "invalid", error.detail)]
    return []


def _contact_errors(value: dict[str, str]) -> list[tuple[str, str, str]]:
    """The contact person's name (as long as the profile holds), mobile phone and email, checked; the phone kept as validated."""
    errors = []
    if too_long := length_error(value["contact_name"], model=Supplier, column="contact_name"):
        errors.append(("contact_name", "too_long", too_long))
    if value["contact_phone"]:
        try:
            value["contact_phone"] = validate_mobile(value["contact_phone"], field="contact_phone")
        except ValidationFailed as error:
            errors.append(("contact_phone", error.code, error.detail))
    if value["contact_email"]:
        try:
            validate_email(value["contact_email"])
        except DjangoValidationError:
            errors.append(("contact_email", "invalid", gettext("请输入有效的邮箱地址")))
    return errors


def _already_pending() -> ChangePending:
    return ChangePending(gettext("该项已有待审核的变更"), field="field")


@waiting_for(DECIDERS)
def changes_waiting(user) -> QuerySet:
    """Bank account, legal name and credit code changes pending the operator's review."""
    return ProfileChange.objects.filter(state=ProfileChange.State.PENDING)


#: the states in which a supplier's statements are paid, so in which it needs an approved bank account
PAID_STATES = frozenset({Supplier.State.ACTIVE, Supplier.State.SUSPENDED})


@waiting_for({Role.SUPPLIER_ADMIN})
def bank_account_missing(user) -> QuerySet:
    """The admin's own supplier while it cooperates without an approved bank account (its 资料信息 to-do: a statement
    cannot be issued until it has one, which pays BANK_ACCOUNT_WAITING_DAYS after its approval)."""
    return Supplier.objects.filter(pk=user.supplier_id, state__in=PAID_STATES, bank_accounts__isnull=True)
