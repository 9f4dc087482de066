from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from core.api.errors import ErrorResponse429Serializer
from core.login import LOGIN_REFUSAL_CODES, authenticate_limited, refused_login
from core.portal import waiting_work
from core.services import revoke_api_tokens


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


DRF_INVALID_LOGIN = "Unable to log in with provided credentials."  # DRF's own words, which its catalog translates


class TokenInput(AuthTokenSerializer):
    """DRF's token request, signing in through the login limiter as the login page does; an account that may not sign
    in yet, whose right password is given, is told why as the login page tells it (an applicant: how its application
    stands), with the refusal's own code."""

    default_error_messages = {"authorization": DRF_INVALID_LOGIN, **dict.fromkeys(LOGIN_REFUSAL_CODES, "")}  # the schema's codes

    def validate(self, attrs):
        username, password = attrs.get("username"), attrs.get("password")
        user = authenticate_limited(self.context["request"], username=username, password=password, now=timezone.now())
        if user is None:
            if refusal := refused_login(username, password):
                raise serializers.ValidationError(refusal.reason, code=refusal.code)
            raise serializers.ValidationError(gettext(DRF_INVALID_LOGIN), code="authorization")
        return attrs | {"user": user}


class TokenView(ObtainAuthToken):
    """Exchange username and password for an API token (Authorization: Token <key>); after 5 failures of a username
    within 15 minutes it is refused for 15 minutes (429 with Retry-After), its right password included. DELETE revokes
    the caller's token."""

    serializer_class = TokenInput
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES  # ObtainAuthToken's own list has DRF's JSONParser

    @extend_schema(
        responses={200: TokenInput, 429: ErrorResponse429Serializer},
        parameters=[OpenApiParameter("Retry-After", int, OpenApiParameter.HEADER, response=[429],
                                     description="seconds until the username or client may try to sign in again")],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "DELETE" else super().get_permissions()

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, *args, **kwargs):
        """Sign out of the API: the caller's token is revoked (a call with it is 401 from now on)."""
        revoke_api_tokens(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FormatChosen(DefaultContentNegotiation):
    """The document's `?format=json` or `?format=yaml` chooses its rendering, as drf-spectacular's view documents;
    without it the Accept header does, YAML by default. The API's other routes take no `?format=` (URL_FORMAT_OVERRIDE)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return super().select_renderer(request, renderers, format_suffix or request.query_params.get("format"))


class SchemaView(SpectacularAPIView):
    """`/api/schema/`: the OpenAPI document, the same for every reader (served public), so generated once per process,
    language and API version and then served from memory: generating it takes seconds of CPU, too much to spend on
    every request of anyone who may ask."""

    content_negotiation_class = FormatChosen

    def _get_schema_response(self, request):
        if self.urlconf or self.patterns or self.custom_settings:  # a document of its own: generated as the library does
            return super()._get_schema_response(request)
        version = self.api_version or request.version or self._get_version_parameter(request)
        try:  # `?lang=en-US` is English, a language the site does not speak its default: one document each
            language = translation.get_supported_language_variant(translation.get_language())
        except LookupError:
            language = settings.LANGUAGE_CODE
        return ServedDocument(
            _generated(language, version, settings.ROOT_URLCONF),
            headers={"Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'},
        )


class ServedDocument(Response):
    """The document as a response, rendered once per format (JSON or YAML, and the media type's parameters) and then
    served as rendered: rendering it takes about as long as generating it in one language again."""

    def __init__(self, generated: "_Generated", **kwargs):
        super().__init__(data=generated.document, **kwargs)
        self.renderings = generated.renderings

    @property
    def rendered_content(self):
        key = (type(self.accepted_renderer), self.accepted_media_type)
        if key not in self.renderings:
            self.renderings[key] = (super().rendered_content, self["Content-Type"])
        content, self["Content-Type"] = self.renderings[key]
        return content


def served_schema(language: str, version: str | None = None) -> dict:
    """The document `/api/schema/` serves in `language` (for `version`), generated on first use. Read it, never change it:
    it is shared."""
    return _generated(language, version, settings.ROOT_URLCONF).document


@dataclass(frozen=True)
class _Generated:
    document: dict
    renderings: dict = field(default_factory=dict)  # (renderer class, media type): (content, its Content-Type)


@lru_cache(maxsize=8)
def _generated(language: str, version: str | None, urlconf: str) -> _Generated:
    """One document per URL configuration too: a test may set ROOT_URLCONF without telling (pytest's urls marker). The
    default language's first, whichever is asked for first: what the views' schema declarations hold (serializers whose
    fields DRF builds once, each label decided in the language active then) is built in it, as every document reads it."""
    if language != settings.LANGUAGE_CODE:
        _generated(settings.LANGUAGE_CODE, version, urlconf)
    with translation.override(language):
        return _Generated(SchemaView.generator_class(api_version=version).get_schema(request=None, public=True))
