from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.views import APIView

from core.portal import waiting_work


class WaitingSerializer(serializers.Serializer):
    page = serializers.CharField(help_text="the portal page where it waits")
    label = serializers.CharField()
    count = serializers.IntegerField()


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    role = serializers.CharField()
    supplier_id = serializers.IntegerField(allow_null=True)
    member_id = serializers.IntegerField(allow_null=True)
    waiting = WaitingSerializer(many=True, help_text="what waits for the caller to act on, as the portal's navigation counts it")


class MeView(APIView):
    """Who the caller is: role and tenant, and what waits for it."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        me = {name: getattr(request.user, name) for name in ("id", "username", "role", "supplier_id", "member_id")}
        return Response(MeSerializer(me | {"waiting": waiting_work(request.user)}).data)


class TokenView(ObtainAuthToken):
    """Exchange username and password for an API token (Authorization: Token <key>)."""
