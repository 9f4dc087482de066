"""Reads of a supplier's paperwork (SPEC §4.1): contracts, qualifications and their expiry, bank accounts,
profile changes — scoped to the actor and in a constant number of queries per page."""
from datetime import date, datetime, timedelta

from django.db.models import Case, CharField, Exists, OuterRef, QuerySet, Value, When

from core.masking import mask_account_number
from core.roles import SUPPLIER_ROLES, Role
from suppliers.models import BankAccount, Contract, ProfileChange, Qualification, Supplier
from suppliers.models.contracts import BANK_ACCOUNT_WAITING_DAYS

WARNING_DAYS = 30


class ExpiryStatus:
    VALID = "valid"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    RENEWED = "renewed"


def payable_account(*, supplier: Supplier, at: datetime) -> BankAccount | None:
    """The account a payment issued at `at` goes to: the latest approved at least BANK_ACCOUNT_WAITING_DAYS before `at`."""
    cutoff = at - timedelta(days=BANK_ACCOUNT_WAITING_DAYS)
    return BankAccount.objects.filter(supplier=supplier, approved_at__lte=cutoff).order_by("-approved_at", "-id").first()


def latest_bank_account(*, supplier: Supplier) -> BankAccount | None:
    """The most recently approved account, usable or not yet."""
    return BankAccount.objects.filter(supplier=supplier).order_by("-approved_at", "-id").first()


def list_bank_accounts(*, actor) -> QuerySet[BankAccount]:
    """Approved bank accounts the actor may see, newest first."""
    return BankAccount.objects.visible_to(actor).select_related("supplier")


def list_profile_changes(*, actor) -> QuerySet[ProfileChange]:
    """Profile change requests the actor may see, newest first, each with who requested it and each decided one with
    its approval or rejection (who, when, why)."""
    return ProfileChange.objects.visible_to(actor).select_related("supplier", "requested_by").prefetch_related(
        ProfileChange.rejection.prefetch(), ProfileChange.approval.prefetch()
    )


def pending_profile_changes(*, supplier: Supplier) -> QuerySet[ProfileChange]:
    """The supplier's changes waiting for review (at most one per field)."""
    return ProfileChange.objects.filter(supplier=supplier, state=ProfileChange.State.PENDING).select_related("requested_by")


# what the contracts and qualifications pages' text filter and the APIs' `?search=` find them by: their own number
# (a certificate's for a qualification), their supplier's name or its credit code (any case)
CONTRACT_SEARCHED = ("number", "supplier__name", "supplier__credit_code")
QUALIFICATION_SEARCHED = CONTRACT_SEARCHED


def list_contracts(*, actor) -> QuerySet[Contract]:
    """Contracts the actor may see, with their supplier and programs, each rejected one with its rejection (who, when, why)."""
    return Contract.objects.visible_to(actor).select_related("supplier").prefetch_related("programs", Contract.rejection.prefetch())


def with_expiry_status(queryset: QuerySet[Qualification], *, on: date) -> QuerySet[Qualification]:
    """Annotate `renewed` (a newer approved qualification of the same supplier, kind and type is valid on `on`)
    and `expiry_status`: of an approved one (Qualification.COUNTED) valid, expiring within WARNING_DAYS, expired, or renewed;
    None for any other, which a filter by expiry status never lists."""
    renewal = _same_kind(expires_on__gt=OuterRef("expires_on")).valid_on(on)
    return queryset.annotate(renewed=Exists(renewal)).annotate(
        expiry_status=Case(
            When(~Qualification.COUNTED, then=Value(None)),
            When(expires_on__gt=on + timedelta(days=WARNING_DAYS), then=Value(ExpiryStatus.VALID)),
            When(renewed=True, then=Value(ExpiryStatus.RENEWED)),
            When(expires_on__lt=on, then=Value(ExpiryStatus.EXPIRED)),
            default=Value(ExpiryStatus.EXPIRING),
            output_field=CharField(),
        )
    )


def tracked_expiries(queryset: QuerySet[Qualification], *, on: date) -> QuerySet[Qualification]:
    """Of `queryset`, the qualifications that have an expiry status (Qualification.COUNTED), with it on `on`: what the expiry
    warnings and the expiry sweep act on."""
    return with_expiry_status(queryset.filter(Qualification.COUNTED), on=on)


def list_qualifications(*, actor, on: date) -> QuerySet[Qualification]:
    """Qualifications the actor may see, each with its expiry status on `on` and, rejected, its rejection (who, when, why)."""
    return with_expiry_status(
        Qualification.objects.visible_to(actor).select_related("supplier").prefetch_related(Qualification.rejection.prefetch()), on=on
    )


def waiting_first(queryset: QuerySet[Qualification]) -> QuerySet[Qualification]:
    """Qualifications waiting for review first, oldest upload first (a review queue), then the rest in their order."""
    waiting = Case(When(state=Qualification.State.PENDING, then=Value(0)), default=Value(1))
    pending_since = Case(When(state=Qualification.State.PENDING, then="uploaded_at"), default=Value(None))
    return queryset.order_by(waiting, pending_since.asc(nulls_last=True), *Qualification._meta.ordering, "pk")


def _same_kind(**extra) -> QuerySet[Qualification]:
    """Qualifications of the outer row's supplier, kind and certificate type (a subquery's rows)."""
    return Qualification.objects.filter(
        supplier=OuterRef("supplier"), kind=OuterRef("kind"), certificate_type=OuterRef("certificate_type"), **extra
    )


def expiry_warnings(*, supplier: Supplier, on: date) -> QuerySet[Qualification]:
    """The supplier's approved qualifications that are expiring or expired and not renewed on `on`, each saying whether
    a renewal waits for review (`renewal_pending`)."""
    renewal = _same_kind(state=Qualification.State.PENDING, expires_on__gt=OuterRef("expires_on"))
    return tracked_expiries(Qualification.objects.filter(supplier=supplier), on=on).filter(
        expiry_status__in=[ExpiryStatus.EXPIRING, ExpiryStatus.EXPIRED]
    ).annotate(renewal_pending=Exists(renewal))


def replaced_qualification(qualification: Qualification) -> Qualification | None:
    """The approved qualification of the same supplier, kind and type lasting longest, other than this one: what an
    upload waiting for review would renew (None for a first one)."""
    return (
        Qualification.objects.filter(
            supplier_id=qualification.supplier_id, kind=qualification.kind, certificate_type=qualification.certificate_type,
            state=Qualification.State.APPROVED,
        ).exclude(pk=qualification.pk).order_by("-expires_on", "-pk").first()
    )


def shows_account_numbers(user, *, reviewing: ProfileChange | None = None) -> bool:
    """Whole bank account numbers are for the supplier itself (scoping shows it only its own) and finance, and for an
    operator `reviewing` a pending change (to check it against its evidence)."""
    return user.role in SUPPLIER_ROLES | {Role.FINANCE} or reviews_change(user, reviewing)


def reviews_change(user, change: ProfileChange | None) -> bool:
    """Whether `user` is the operator deciding `change`, a pending one."""
    return change is not None and user.role == Role.OPERATOR and change.state == ProfileChange.State.PENDING


def account_number_for(user, number: str, *, reviewing: ProfileChange | None = None) -> str:
    return number if shows_account_numbers(user, reviewing=reviewing) else mask_account_number(number)


def reads_bank_details(user) -> bool:
    """Whether `user` may read a supplier's bank details on its profile (account numbers whole, the evidence of its
    profile changes) as far as its role goes: not the supplier's staff, since the bank account and the profile changes
    are its admin's business (SPEC §3)."""
    return user.role != Role.SUPPLIER_STAFF


def profile_account_number_for(user, number: str) -> str:
    """An approved bank account's number as `user` reads it on the supplier's profile: masked for the supplier's staff
    and everyone `account_number_for` masks it for."""
    return account_number_for(user, number) if reads_bank_details(user) else mask_account_number(number)


def change_value_for(user, value: dict, *, reviewing: ProfileChange | None = None) -> dict:
    """A profile change's old or new value as `user` may see it (bank account number masked unless allowed, always for
    the supplier's staff); `reviewing` the change when shown on its own, to be decided."""
    return value if reads_bank_details(user) and shows_account_numbers(user, reviewing=reviewing) else masked_value(value)


def masked_value(value: dict) -> dict:
    """A profile change's value with its bank account number, if any, masked."""
    return value | {"account_number": mask_account_number(value["account_number"])} if "account_number" in value else value
