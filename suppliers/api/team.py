"""API of a supplier admin's team (团队成员), as the portal's team pages: the supplier's accounts, adding a staff account,
disabling and enabling one, resetting its password.

Only a supplier admin has a team: anyone else is refused (403) by the service that lists it
(`suppliers.services.team.team_of`), another supplier's account is not found (404), and the steps are taken on staff
accounts only (an admin's is 403), each by the service the portal calls.
"""
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from core.api.transitions import ReasonInput, RequiredReasonInput, TransitionHistoryMixin, transition_action
from core.roles import Role
from suppliers.api.serializers import judged
from suppliers.models import SupplierMembership
from suppliers.services import team

SUPPLIER_ADMIN = frozenset({Role.SUPPLIER_ADMIN})


class TeamMemberSerializer(serializers.ModelSerializer):
    """An account of the supplier: `state` `active` or `disabled` (a disabled one cannot log in)."""

    username = serializers.CharField(source="user.username", read_only=True)
    name = serializers.CharField(source="user.first_name", read_only=True)
    phone = serializers.CharField(source="user.phone", read_only=True)
    role = serializers.CharField(source="user.role", read_only=True, help_text="supplier_admin or supplier_staff")
    date_joined = serializers.DateTimeField(source="user.date_joined", read_only=True)
    last_login = serializers.DateTimeField(source="user.last_login", read_only=True, allow_null=True)

    class Meta:
        model = SupplierMembership
        fields = ["id", "username", "name", "phone", "role", "state", "date_joined", "last_login"]
        read_only_fields = fields


class StaffInput(serializers.Serializer):
    """A new staff account; each field judged by the service's rule (`team.staff_field_problem`) along with its type,
    so that one answer names every bad field."""

    username = serializers.CharField(required=False, allow_blank=True, default="",
                                     help_text="letters, digits and @ . + - _; not taken, in any letter case")
    name = serializers.CharField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(required=False, allow_blank=True, default="", help_text="a mainland mobile number")
    password = serializers.CharField(required=False, allow_blank=True, default="", write_only=True, trim_whitespace=False,
                                     help_text="the first password, handed over by the admin; checked by the password validators")

    def validate_username(self, value: str) -> str:
        return judged(value, team.staff_field_problem("username", value))

    def validate_name(self, value: str) -> str:
        return judged(value, team.staff_field_problem("name", value))

    def validate_phone(self, value: str) -> str:
        return judged(value, team.staff_field_problem("phone", value))

    def validate_password(self, value: str) -> str:
        return judged(value, team.staff_field_problem("password", value))


class PasswordInput(serializers.Serializer):
    password = serializers.CharField(write_only=True, trim_whitespace=False, help_text="checked by the password validators")


def _staff_only(user, membership: SupplierMembership) -> None:
    """:raises PermissionDenied: for an admin's account, as the portal's (`team.staff_member`)"""
    team.staff_member(user, membership.pk)


def _step(service, name: str, **kwargs):
    return transition_action(service, name=name, roles=SUPPLIER_ADMIN, target="membership", check=_staff_only, **kwargs)


class TeamMemberViewSet(TransitionHistoryMixin, viewsets.ReadOnlyModelViewSet):
    """The caller's supplier's accounts, admins first (a supplier admin's only); the steps on staff accounts."""

    serializer_class = TeamMemberSerializer
    filterset_fields = ["state"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SupplierMembership.objects.none()
        return team.team_of(self.request.user)

    @extend_schema(request=StaffInput, responses={201: TeamMemberSerializer})
    def create(self, request):
        """Add a staff account of the caller's supplier, active at once (the admin hands the first password over)."""
        team.require_supplier_admin(request.user)  # before the body, whose errors would tell a refused caller what it takes
        params = StaffInput(data=request.data)
        params.is_valid(raise_exception=True)
        membership = team.add_staff(actor=request.user, now=timezone.now(), **params.validated_data)
        return Response(TeamMemberSerializer(membership).data, status=status.HTTP_201_CREATED)

    disable = _step(team.disable_member, "disable", input_serializer=RequiredReasonInput)
    enable = _step(team.enable_member, "enable", input_serializer=ReasonInput)
    reset_password = _step(team.reset_password, "reset_password", input_serializer=PasswordInput)
