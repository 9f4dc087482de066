"""Role checks for the API: a forbidden action is 403 (after the scoped lookup gave 404 for others' rows)."""
from rest_framework.permissions import BasePermission

from core.roles import require_role


def roles(*allowed: str) -> type[BasePermission]:
    """A DRF permission class admitting only the given roles."""

    class HasRole(BasePermission):
        def has_permission(self, request, view) -> bool:
            require_role(request.user, allowed)
            return True

    HasRole.__name__ = f"HasRole_{'_'.join(allowed)}"
    return HasRole
