"""`POST …/import/` and `GET …/export/` on a resource's API viewset.

Add `ImportExportMixin` to the viewset and name the spec (`dataio_spec = "products"`).
The export writes the viewset's own filtered list (`?search=`, filters, `?ordering=`),
so what an integrator exports is what they would list.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import parsers, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response

from api.errors import error_body
from api.serializers import ErrorSerializer, StrictSerializer
from tradepost.dataio import files, jobs, services
from tradepost.dataio import spec as registry
from tradepost.dataio.exports import export_response


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Row number as the spreadsheet shows it (header = 1).")
    column = serializers.CharField(help_text="Column name; empty for the row as a whole.")
    value = serializers.CharField(allow_blank=True, help_text="The cell as read.")
    message = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    resource = serializers.CharField()
    valid = serializers.BooleanField(help_text="Every row is right.")
    applied = serializers.BooleanField(help_text="The rows were written (not a dry run).")
    total_rows = serializers.IntegerField()
    created = serializers.IntegerField(help_text="New records (or that would be, on a dry run).")
    updated = serializers.IntegerField(help_text="Records matched by their key and updated.")
    error_count = serializers.IntegerField()
    # a field named like a DRF attribute
    errors = RowErrorSerializer(many=True)  # type: ignore[assignment]


class ImportJobSerializer(serializers.Serializer):
    """A background import: poll `url` until `state` is done or failed."""

    id = serializers.CharField()
    resource = serializers.CharField()
    state = serializers.ChoiceField(choices=[jobs.QUEUED, jobs.RUNNING, jobs.DONE, jobs.FAILED])
    progress = serializers.IntegerField(help_text="Percent done, 0-100.")
    rows_read = serializers.IntegerField()
    dry_run = serializers.BooleanField()
    report = ImportReportSerializer(
        allow_null=True, help_text="When done: the import's report (valid, applied, errors)."
    )
    # a field named like a DRF attribute
    errors = serializers.ListField(  # type: ignore[assignment]
        child=serializers.CharField(), help_text="When failed: why, about the file as a whole."
    )
    url = serializers.CharField(help_text="Where to poll this job.")


def _job_body(request, job: dict) -> dict:
    fields = ("id", "resource", "state", "progress", "rows_read", "dry_run", "report", "errors")
    body = {name: job[name] for name in fields}
    body["url"] = request.build_absolute_uri(
        request.path.split("/import/")[0] + f"/import/jobs/{job['id']}/"
    )
    return body


class ImportErrorSerializer(ErrorSerializer):
    """A 400 for a file with wrong rows: the usual error shape plus the row report."""

    report = ImportReportSerializer(required=False)


class ImportUploadSerializer(StrictSerializer):
    file = serializers.FileField(help_text="CSV (UTF-8 or GB18030) or .xlsx, header row first.")


class _IgnoreFormatParameter(DefaultContentNegotiation):
    """`?format=` picks the file type of an export, not the API's renderer."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _bool_param(request, name: str) -> bool:
    raw = request.query_params.getlist(name)
    if not raw:
        return False
    if len(raw) > 1 or raw[0].lower() not in ("true", "false"):
        raise ValidationError({name: [_("Must be true or false.")]})
    return raw[0].lower() == "true"


class ImportExportMixin:
    dataio_spec: str = ""

    def _dataio(self) -> registry.ResourceSpec:
        found = registry.get(self.dataio_spec)
        assert found is not None, f"no dataio spec {self.dataio_spec!r} registered"
        return found

    @extend_schema(
        operation_id=None,
        request={"multipart/form-data": ImportUploadSerializer},
        parameters=[
            OpenApiParameter(
                "dry_run",
                OpenApiTypes.BOOL,
                OpenApiParameter.QUERY,
                description="Check every row and report, writing nothing.",
            )
        ],
        responses={
            status.HTTP_200_OK: ImportReportSerializer,
            status.HTTP_202_ACCEPTED: OpenApiResponse(
                ImportJobSerializer,
                description="A big file (see DATAIO_BACKGROUND_BYTES) imports in the "
                "background: poll the job's `url` (also the Location header).",
            ),
            status.HTTP_413_REQUEST_ENTITY_TOO_LARGE: OpenApiResponse(
                ErrorSerializer, description="The upload is over MAX_UPLOAD_BYTES."
            ),
            status.HTTP_400_BAD_REQUEST: OpenApiResponse(
                ImportErrorSerializer,
                description="The file cannot be read, or rows are wrong (see `report`): "
                "nothing was written.",
            ),
        },
        description="Import a CSV or .xlsx file: all rows or none. A row whose key "
        "(e.g. SKU, ignoring case) exists updates that record; others are created.",
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[parsers.MultiPartParser, parsers.FormParser],
    )
    def import_file(self, request, *args, **kwargs):
        spec = self._dataio()
        dry_run = _bool_param(request, "dry_run")
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        if jobs.wants_background(file, file.name):
            job = jobs.job_start(spec, file, actor=request.user, name=file.name, dry_run=dry_run)
            body = _job_body(request, job)
            return Response(
                body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]}
            )
        report = services.import_run(
            spec, file, actor=request.user, name=file.name, dry_run=dry_run
        )
        body = report.summary()
        if not report.ok:
            rows = len({error.row for error in report.errors})
            message = ngettext(
                "%(count)d row has errors; nothing was imported.",
                "%(count)d rows have errors; nothing was imported.",
                rows,
            ) % {"count": rows}
            return Response(
                {**error_body("invalid", message, {"file": [message]}), "report": body},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(body)

    @extend_schema(
        responses={
            status.HTTP_200_OK: ImportJobSerializer,
            status.HTTP_404_NOT_FOUND: ErrorSerializer,
        },
        description="A background import's state and, when done, its report. Only the "
        "user or API key that started it sees it.",
    )
    @action(detail=False, methods=["get"], url_path=r"import/jobs/(?P<job_id>[0-9a-f]{32})")
    def import_job(self, request, job_id: str, *args, **kwargs):
        job = jobs.job_get(job_id, actor=request.user)
        if job is None or job["resource"] != self._dataio().name:
            raise NotFound()
        return Response(_job_body(request, job))

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "format",
                str,
                OpenApiParameter.QUERY,
                enum=list(files.FORMATS),
                description="File type (default csv).",
            )
        ],
        responses={
            (status.HTTP_200_OK, "text/csv"): OpenApiTypes.BINARY,
            (status.HTTP_200_OK, files.CONTENT_TYPES[files.XLSX]): OpenApiTypes.BINARY,
        },
        description="Download the list (with the same search, filters and ordering) "
        "as CSV or .xlsx, in the columns the import reads.",
    )
    @action(detail=False, methods=["get"], content_negotiation_class=_IgnoreFormatParameter)
    def export(self, request, *args, **kwargs):
        fmt = request.query_params.getlist("format") or [files.CSV]
        if len(fmt) > 1 or fmt[0] not in files.FORMATS:
            raise ValidationError({"format": [_("Choose csv or xlsx.")]})
        queryset = self.filter_queryset(self.get_queryset())
        return export_response(self._dataio(), actor=request.user, fmt=fmt[0], queryset=queryset)
