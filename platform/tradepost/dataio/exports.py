"""Exporting a resource's records as CSV (streamed) or .xlsx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from tradepost.dataio import files
from tradepost.dataio.spec import ResourceSpec
from tradepost.principals import Actor

CHUNK = 2000


def export_check(spec: ResourceSpec, actor: Actor, fmt: str) -> None:
    if actor is None or not actor.has_perm(spec.permission("view")):
        raise PermissionDenied(_("You do not have permission to export these records."))
    if fmt not in files.FORMATS:
        raise ValidationError({"format": [_("Choose csv or xlsx.")]})


def export_rows(spec: ResourceSpec, queryset: models.QuerySet) -> Iterator[list[Any]]:
    columns = spec.columns
    for obj in spec.export_queryset(queryset).iterator(chunk_size=CHUNK):
        yield [
            column.export(obj) if column.export else getattr(obj, column.attribute)
            for column in columns
        ]


def export_response(
    spec: ResourceSpec, *, actor: Actor, fmt: str, queryset: models.QuerySet | None = None
) -> HttpResponse:
    """The actor's records (`queryset`, already filtered, or all the spec's scope lets
    them see) as a download."""
    export_check(spec, actor, fmt)
    if queryset is None:
        queryset = spec.queryset(actor)
    headers = [column.name for column in spec.columns]
    filename = f"{spec.name}-{timezone.localdate():%Y%m%d}.{fmt}"
    if fmt == files.CSV:
        response = StreamingHttpResponse(
            files.csv_chunks(headers, export_rows(spec, queryset)),
            content_type=files.CONTENT_TYPES[fmt],
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response  # type: ignore[return-value]
    output = files.xlsx_file(headers, export_rows(spec, queryset), title=spec.name)
    return FileResponse(  # type: ignore[return-value]
        output,
        as_attachment=True,
        filename=filename,
        content_type=files.CONTENT_TYPES[fmt],
    )
