"""Shipping by file over the API (SPEC §4.6); columns, checks and error `attr`s as in logistics.services.bulk_shipping.

POST a file: a 400 names each problem as `rows.<row>.<column>` (the header is row 1) or `file`, and nothing is
shipped; rows with neither carrier nor tracking number are skipped (`skipped_count`), a file of only such rows is a 400; a file that passes is 202, shipped by a task: follow the upload until its `status` is `shipped`, or
`rejected` with its `problems` (a parcel changed after the upload, e.g. shipped by hand: none was shipped). Meanwhile
`rows_done` counts the rows gone through of `row_count`; a rejected upload keeps where it stopped.
"""
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.downloads import negotiation
from core.api.fields import ActorField, TableFileField
from core.api.permissions import require_role
from core.api.serializers import file_upload_schema
from core.files import file_response
from core.tabular import CONTENT_TYPES, Problem
from logistics.models import ShipmentUpload
from logistics.services import bulk_shipping


class ShippingFileInput(serializers.Serializer):
    file = TableFileField(help_text="CSV (UTF-8, UTF-8 with BOM or GBK) or XLSX: 运单ID (shipment) and/or 订单号 (order_number), "
                                           "承运商 (carrier), 运单号 (tracking_number)")


UPLOAD_SCHEMA = file_upload_schema(ShippingFileInput)


class UploadProblemSerializer(serializers.Serializer):
    attr = serializers.CharField(help_text="rows.<row>.<column>, or file")
    code = serializers.CharField()
    detail = serializers.CharField()


class ShipmentUploadSerializer(serializers.ModelSerializer):
    uploaded_by = ActorField()
    problems = serializers.SerializerMethodField()

    class Meta:
        model = ShipmentUpload
        fields = ["id", "file_name", "status", "row_count", "rows_done", "shipped_count", "skipped_count", "problems", "uploaded_at",
                  "uploaded_by", "finished_at"]
        extra_kwargs = {"skipped_count": {"help_text": "rows left with neither carrier nor tracking number (parcels not going out "
                                                       "today): skipped, not shipped (the page's 未填写，跳过 n 行)"}}
        read_only_fields = fields

    @extend_schema_field(UploadProblemSerializer(many=True))
    def get_problems(self, upload: ShipmentUpload) -> list[dict]:
        return [{"attr": problem.attr, "code": problem.code, "detail": problem.detail}
                for problem in (Problem(**stored) for stored in upload.problems)]


class ShipmentUploadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Files of waybills: logistics ships the warehouse parcels waiting, a dropship supplier its own; each side lists
    its own uploads."""

    serializer_class = ShipmentUploadSerializer
    parser_classes = [MultiPartParser, FormParser]
    filterset_fields = ["status"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ShipmentUpload.objects.none()
        require_role(self.request.user, bulk_shipping.SHIPPERS)
        return bulk_shipping.list_shipment_uploads(actor=self.request.user)

    @extend_schema(request={"multipart/form-data": UPLOAD_SCHEMA}, responses={202: ShipmentUploadSerializer})
    def create(self, request):
        """Check a file of waybills and ship every row in the background (202), or none (400 naming each problem)."""
        require_role(request.user, bulk_shipping.SHIPPERS)
        params = ShippingFileInput(data=request.data)
        params.is_valid(raise_exception=True)
        upload = params.validated_data["file"]
        sent = bulk_shipping.upload_shipping_file(actor=request.user, now=timezone.now(), file_name=upload.name,
                                                  content=upload.read(bulk_shipping.SPEC.max_bytes + 1))
        sent.refresh_from_db()  # shipped already when the task runs in this process
        return Response(ShipmentUploadSerializer(sent).data, status=status.HTTP_202_ACCEPTED)


class ShippingTemplateQuery(serializers.Serializer):
    file_format = serializers.ChoiceField(choices=sorted(CONTENT_TYPES), default="csv")
    warehouse = serializers.CharField(required=False, allow_blank=True,
                                      help_text="id of a warehouse (location): only the parcels waiting there; an unknown one is a 400")


class ShippingTemplateView(APIView):
    """The parcels waiting for the caller to ship them, as a file to fill in with carrier and tracking number."""

    renderer_classes = [JSONRenderer]
    content_negotiation_class = negotiation(*(media_type.split(";")[0] for media_type in CONTENT_TYPES.values()))

    @extend_schema(
        parameters=[ShippingTemplateQuery],
        responses={(200, media_type.split(";")[0]): OpenApiTypes.BINARY for media_type in CONTENT_TYPES.values()},
    )
    def get(self, request):
        require_role(request.user, bulk_shipping.SHIPPERS)
        params = ShippingTemplateQuery(data=request.query_params)
        params.is_valid(raise_exception=True)
        return file_response(bulk_shipping.shipping_template(actor=request.user, file_format=params.validated_data["file_format"],
                                                             now=timezone.now(), warehouse=params.validated_data.get("warehouse")))
