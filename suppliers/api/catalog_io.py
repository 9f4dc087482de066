"""Catalog import and export over the API (SPEC §4.2); columns and error `attr`s as in suppliers.services.catalog_io."""
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.downloads import negotiation
from core.api.fields import TableFileField
from core.api.permissions import roles
from core.api.serializers import file_upload_schema
from core.errors import ValidationFailed
from core.roles import SUPPLIER_ROLES, Role
from suppliers.models import Supplier
from core.files import file_response
from suppliers.services import catalog_io


class GiftImportInput(serializers.Serializer):
    file = TableFileField(help_text="CSV (UTF-8, UTF-8 with BOM or GBK) or XLSX with the export's columns")


UPLOAD_SCHEMA = file_upload_schema(GiftImportInput)


class GiftImportSummarySerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="new SKUs, created as drafts")
    updated = serializers.IntegerField(help_text="draft or rejected gifts changed in place")
    revisions = serializers.IntegerField(help_text="listed gifts whose change now waits for review")
    unchanged = serializers.IntegerField(help_text="rows equal to the gift, skipped")


class GiftExportQuery(serializers.Serializer):
    file_format = serializers.ChoiceField(choices=sorted(catalog_io.FORMATS), default="csv")
    supplier = serializers.IntegerField(required=False, help_text="whose catalog: required for an operator (400 naming `supplier` "
                                                                  "without it); a supplier's users get their own and may leave it out")


def own_supplier(user) -> Supplier:
    return get_object_or_404(Supplier.objects.visible_to(user), pk=user.supplier_id)


class GiftImportView(APIView):
    """Import the caller's catalog from CSV or XLSX: every row or none; a 400 names each problem as
    `rows.<row>.<column>` (the header is row 1) or `file`."""

    permission_classes = [IsAuthenticated, roles(*SUPPLIER_ROLES)]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": UPLOAD_SCHEMA}, responses={200: GiftImportSummarySerializer})
    def post(self, request):
        params = GiftImportInput(data=request.data)
        params.is_valid(raise_exception=True)
        upload = params.validated_data["file"]
        summary = catalog_io.import_catalog(
            supplier=own_supplier(request.user), actor=request.user, now=timezone.now(),
            file_name=upload.name, content=upload.read(catalog_io.SPEC.max_bytes + 1),
        )
        return Response(GiftImportSummarySerializer(summary).data)


class GiftExportView(APIView):
    """Download a supplier's catalog as CSV (UTF-8 with BOM) or XLSX, in the columns the import reads."""

    permission_classes = [IsAuthenticated, roles(*SUPPLIER_ROLES, Role.OPERATOR)]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = negotiation(*(media_type.split(";")[0] for media_type in catalog_io.FORMATS.values()))

    @extend_schema(
        parameters=[GiftExportQuery],
        responses={(200, media_type.split(";")[0]): OpenApiTypes.BINARY for media_type in catalog_io.FORMATS.values()},
    )
    def get(self, request):
        params = GiftExportQuery(data=request.query_params)
        params.is_valid(raise_exception=True)
        supplier_id = params.validated_data.get("supplier") or request.user.supplier_id
        if supplier_id is None:
            raise ValidationFailed(gettext("请指定礼品商"), field="supplier")
        supplier = get_object_or_404(Supplier.objects.visible_to(request.user), pk=supplier_id)
        file_format = params.validated_data["file_format"]
        return file_response(catalog_io.export_catalog(supplier=supplier, file_format=file_format, now=timezone.now()))
