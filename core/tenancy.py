"""One mechanism that scopes every queryset to what an actor may see (SPEC §3, §4.13).

A model declares who sees it with `visibility = Visibility(...)` and uses `ScopedManager`.
Views and selectors always start from `Model.objects.visible_to(user)`, so another tenant's
row is simply absent: a 404, never a 403 that would reveal it exists.
"""
from dataclasses import dataclass, field

from django.db import models

from core.roles import SUPPLIER_ROLES, Role


@dataclass(frozen=True)
class Visibility:
    """Lookup paths from the model to its tenant, and the staff roles that see every row.

    supplier: path to the owning supplier (e.g. "supplier", "gift__supplier"; "self" on Supplier), or None
    member: path to the owning member (e.g. "member", "order__member"), or None
    staff: roles that see all rows
    """

    supplier: str | None = None
    member: str | None = None
    staff: frozenset[str] = field(default_factory=lambda: frozenset({Role.OPERATOR, Role.LOGISTICS, Role.FINANCE}))

    @property
    def readers(self) -> frozenset[str]:
        """The roles shown rows of the model: its staff, a supplier's users where a row belongs to a supplier, members
        where it belongs to a member. A portal page of the model admits these (core.roles.require_role), so that the page
        and the API, which reads through `visible_to`, let the same roles read."""
        return self.staff | (SUPPLIER_ROLES if self.supplier else frozenset()) | ({Role.MEMBER} if self.member else frozenset())


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ScopedQuerySet":
        rule: Visibility = self.model.visibility
        if user is None or not user.is_authenticated:
            return self.none()
        if user.is_superuser or user.role in rule.staff:
            return self
        if user.role in SUPPLIER_ROLES and rule.supplier and user.supplier_id:
            lookup = "pk" if rule.supplier == "self" else f"{rule.supplier}_id"
            return self.filter(**{lookup: user.supplier_id})
        if user.role == Role.MEMBER and rule.member and user.member_id:
            lookup = "pk" if rule.member == "self" else f"{rule.member}_id"
            return self.filter(**{lookup: user.member_id})
        return self.none()


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):
    pass
