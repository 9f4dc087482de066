"""Supplier onboarding and the supplier lifecycle (SPEC §4.1)."""
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext

from core.errors import ValidationFailed
from core.events import publish
from core.fsm import apply_transition
from core.roles import Role, waiting_for
from core.validators import validate_mobile
from suppliers.models import Gift, Supplier, SupplierMembership
from suppliers.errors import ActivationBlocked
from suppliers.events import SupplierTerminated
from suppliers.services import catalog, contracts
from suppliers.validators import validate_credit_code

User = get_user_model()


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
) -> Supplier:
    """Create a supplier in `applied` with an inactive admin user, activated on approval.

    :raises ValidationFailed: for a bad credit code or contact phone, or a username already taken
    """
    code = validate_credit_code(credit_code)
    contact_phone = validate_mobile(contact_phone, field="contact_phone")
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed(gettext("该用户名已被使用"), field="username")
    with transaction.atomic():
        supplier = Supplier.objects.create(
            name=name,
            credit_code=code,
            contact_name=contact_name,
            contact_phone=contact_phone,
            contact_email=contact_email,
            address=address,
            applied_at=now,
        )
        admin = User(username=username, role=Role.SUPPLIER_ADMIN, phone=contact_phone, email=contact_email, is_active=False)
        admin.set_password(password)
        admin.save()
        SupplierMembership.objects.create(user=admin, supplier=supplier)
    return supplier


def start_supplier_review(*, supplier: Supplier, actor, now: datetime, reason: str = "") -> Supplier:
    """Take an application into review. :raises InvalidTransition: unless it is `applied`"""
    return apply_transition(supplier, "start_review", actor=actor, at=now, reason=reason)


def _require_activation(supplier: Supplier, now: datetime) -> None:
    missing = contracts.activation_missing(supplier=supplier, now=now)
    if missing:
        raise ActivationBlocked("；".join(message for _, message in missing), field=missing[0][0])


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
    return supplier


def reject_supplier(*, supplier: Supplier, actor, now: datetime, reason: str = "") -> Supplier:
    """Reject an application under review (a reason is required). :raises InvalidTransition:"""
    _require_reason(reason, message=gettext("请填写拒绝原因"))
    return apply_transition(supplier, "reject", actor=actor, at=now, reason=reason)


def _require_reason(reason: str, *, message: str = "") -> None:
    """A decision that ends or halts a cooperation says why (it is kept in the supplier's history)."""
    if not (reason or "").strip():
        raise ValidationFailed(message or gettext("请说明原因"), field="reason")


def suspend_supplier(*, supplier: Supplier, actor, now: datetime, reason: str = "") -> Supplier:
    """Suspend an active supplier (a reason is required): its online and clearance gifts go offline, scheduled
    publishing stops.

    :raises ValidationFailed: without a reason :raises InvalidTransition:
    """
    _require_reason(reason)
    with transaction.atomic():
        apply_transition(supplier, "suspend", actor=actor, at=now, reason=reason)
        catalog.delist_all_gifts_of(supplier=supplier, actor=actor, now=now, reason_code=Gift.DelistReason.SUPPLIER_SUSPENDED)
    return supplier


def reactivate_supplier(*, supplier: Supplier, actor, now: datetime, reason: str = "") -> Supplier:
    """Reactivate a suspended supplier; its gifts stay offline for relisting through review.

    :raises ActivationBlocked: without an approved contract in force and a valid business licence
    :raises InvalidTransition:
    """
    if supplier.state == Supplier.State.SUSPENDED:
        _require_activation(supplier, now)
    return apply_transition(supplier, "reactivate", actor=actor, at=now, reason=reason)


def terminate_supplier(*, supplier: Supplier, actor, now: datetime, reason: str = "") -> Supplier:
    """End the cooperation with an active or suspended supplier and retire all its gifts (a reason is required); what
    it owes on closed statements becomes receivable (SupplierTerminated).

    :raises ValidationFailed: without a reason :raises InvalidTransition:
    """
    _require_reason(reason)
    with transaction.atomic():
        apply_transition(supplier, "terminate", actor=actor, at=now, reason=reason)
        catalog.retire_all_gifts_of(supplier=supplier, actor=actor, now=now, reason=reason or "supplier terminated")
        publish(SupplierTerminated(supplier_id=supplier.pk, actor_id=getattr(actor, "pk", None), at=now))
    return supplier


@waiting_for({Role.OPERATOR})
def applications_waiting(user) -> int:
    """Applications an operator has to decide: applied or under review."""
    return Supplier.objects.filter(state__in=[Supplier.State.APPLIED, Supplier.State.UNDER_REVIEW]).count()
