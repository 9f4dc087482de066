"""Credit files in the API (SPEC §4.4): an operator uploads a file and gets its preview back, nothing credited; the file is
credited, as one idempotent batch, once confirmed (`confirm/`), or discarded (`cancel/`). Upload, preview and steps are
the portal's (points.services.credit_uploads)."""
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from core.api.fields import ActorField, TableFileField
from core.api.permissions import require_role
from core.api.serializers import file_upload_schema
from core.api.transitions import ReasonInput, TransitionHistoryMixin, transition_action
from core.roles import OPERATORS
from core.tabular import Problem
from points.models import CreditUpload
from points.services import credit_uploads, credits


class CreditFileInput(serializers.Serializer):
    file = TableFileField(help_text="CSV or XLSX: phone, points, optional reason_code; one batch per file")


class CreditFileProblemSerializer(serializers.Serializer):
    attr = serializers.CharField(allow_null=True, help_text="rows.<line>.<column> of a row, or file for the file as a whole")
    code = serializers.CharField()
    detail = serializers.CharField()


class CreditUploadSerializer(serializers.ModelSerializer):
    """A credit file as listed: where the operator's decision stands (`state`: previewed, confirmed, discarded) and, once
    confirmed, its crediting (`status`: pending, credited, rejected with its `problems`)."""

    uploaded_by = ActorField()
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    problems = serializers.SerializerMethodField()

    class Meta:
        model = CreditUpload
        fields = ["id", "file_name", "batch", "state", "state_label", "status", "status_label", "row_count", "points_total",
                  "rows_done", "replayed", "credited_at", "problems", "uploaded_at", "uploaded_by", "finished_at"]
        read_only_fields = fields
        extra_kwargs = {
            "status": {"help_text": "the crediting's: pending until a confirmed file is credited (or rejected); "
                                    "a previewed or discarded file stays pending, crediting nothing"},
            "points_total": {"help_text": "the points of all its rows"},
        }

    @extend_schema_field(CreditFileProblemSerializer(many=True))
    def get_problems(self, upload: CreditUpload) -> list[dict]:
        return [{"attr": problem.attr, "code": problem.code, "detail": problem.detail}
                for problem in (Problem(**stored) for stored in upload.problems)]


class ProgramShareSerializer(serializers.Serializer):
    program = serializers.CharField()
    label = serializers.CharField()
    members = serializers.IntegerField()
    points = serializers.IntegerField()


class CreditRowSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    phone = serializers.CharField(help_text="masked, e.g. 138****8000")
    points = serializers.IntegerField()
    reason = serializers.CharField(read_only=True, help_text="the reason's label")


class CreditPreviewSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    members = serializers.IntegerField(help_text="the members credited (a member on two rows counts once)")
    points = serializers.IntegerField()
    programs = ProgramShareSerializer(many=True)
    first_rows = CreditRowSerializer(many=True, help_text=f"the first {credit_uploads.PREVIEW_ROWS} rows")
    credited_before = serializers.DateTimeField(allow_null=True, read_only=True, help_text="when the same rows were credited before "
                                                                            "(confirming them credits nothing more); null if never")


class CreditUploadDetailSerializer(CreditUploadSerializer):
    """A credit file with its preview (null once confirmed or discarded)."""

    preview = serializers.SerializerMethodField()

    class Meta(CreditUploadSerializer.Meta):
        fields = [*CreditUploadSerializer.Meta.fields, "preview"]
        read_only_fields = fields

    @extend_schema_field(CreditPreviewSerializer(allow_null=True))
    def get_preview(self, upload: CreditUpload) -> dict | None:
        if upload.state != CreditUpload.State.PREVIEWED:
            return None
        return CreditPreviewSerializer(credit_uploads.preview_credit_upload(upload)._asdict()).data


def _as_shown(service):
    """The service, answering with the upload read again as the API shows it."""

    def call(*, upload: CreditUpload, actor, **params) -> CreditUpload:
        return credit_uploads.list_credit_uploads(actor=actor).get(pk=service(upload=upload, actor=actor, **params).pk)

    call.__doc__ = service.__doc__
    return call


class CreditUploadViewSet(TransitionHistoryMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Operators' credit files: upload one for its preview, then confirm it (credited by a task, every row or none, as
    one idempotent batch) or cancel it; filter the list by `state`."""

    filterset_fields = ["state", "status"]

    def get_serializer_class(self):
        return CreditUploadSerializer if self.action == "list" else CreditUploadDetailSerializer

    def get_parsers(self):
        # the file comes as multipart (JSON to it is a 415); the steps on a file take JSON or a form like any other
        action = getattr(self, "action", None) or ("create" if "pk" not in getattr(self, "kwargs", {}) else None)
        return [MultiPartParser()] if action == "create" else super().get_parsers()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CreditUpload.objects.none()
        require_role(self.request.user, OPERATORS)
        return credit_uploads.list_credit_uploads(actor=self.request.user)

    @extend_schema(request={"multipart/form-data": file_upload_schema(CreditFileInput)}, responses={201: CreditUploadDetailSerializer})
    def create(self, request):
        """Check a credit file and keep it as a preview (201), crediting nothing; or none of it (400 naming each row and
        column at fault)."""
        require_role(request.user, OPERATORS)
        params = CreditFileInput(data=request.data)
        params.is_valid(raise_exception=True)
        upload = params.validated_data["file"]
        sent = credit_uploads.upload_credit_file(actor=request.user, now=timezone.now(), file_name=upload.name,
                                                 content=upload.read(credits.CREDIT_FILE.max_bytes + 1))
        return Response(CreditUploadDetailSerializer(sent, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED)

    confirm = transition_action(_as_shown(credit_uploads.confirm_credit_upload), name="confirm", roles=OPERATORS, target="upload",
                                input_serializer=ReasonInput)
    cancel = transition_action(_as_shown(credit_uploads.discard_credit_upload), name="cancel", roles=OPERATORS, target="upload",
                               input_serializer=ReasonInput)
