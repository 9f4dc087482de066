from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.views import APIView


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    role = serializers.CharField()
    supplier_id = serializers.IntegerField(allow_null=True)
    member_id = serializers.IntegerField(allow_null=True)


class MeView(APIView):
    """Who the caller is: role and tenant."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class TokenView(ObtainAuthToken):
    """Exchange username and password for an API token (Authorization: Token <key>)."""
