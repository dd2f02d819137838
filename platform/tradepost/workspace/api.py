"""The activity feed over HTTP: `GET /api/v1/feed/?target_type=&target_id=` (the page's
entries, newest first, paginated) and `POST /api/v1/notes/` (JSON, or multipart with
`files`). A target the caller cannot see, or of another workspace, is a 404; a note
refused (empty, too long, too many or too large files, a kind of file not kept) a 400
with nothing written. The request itself is capped before and while it is read
(`tradepost.uploads`)."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import parsers, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.pagination import StrictPageNumberPagination
from api.views import TradepostAPIView
from tradepost.workspace import selectors, services
from tradepost.workspace.feed_targets import target_get
from tradepost.workspace.models import NOTE_MAX_LENGTH, Note


class FeedAttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    size = serializers.IntegerField()
    content_type = serializers.CharField()
    url = serializers.SerializerMethodField(help_text="Download address (a path).")

    def get_url(self, attachment: Any) -> str:
        return reverse("workspace:note_attachment", args=[attachment.pk])


class FeedEntrySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["event", "note"])
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    who = serializers.CharField()
    label = serializers.CharField(  # type: ignore[assignment]  # a field named like a DRF attribute
        help_text="What happened, in the caller's language (events)."
    )
    action = serializers.CharField(help_text="The audit action (events), e.g. `order.approved`.")
    comment = serializers.CharField(
        help_text="What was said with the step (events): an approval's comment, a reason."
    )
    body = serializers.CharField(help_text="The note's text (notes).")
    mentions = serializers.SerializerMethodField()
    attachments = FeedAttachmentSerializer(many=True)

    def get_mentions(self, entry: selectors.FeedEntry) -> list[dict[str, Any]]:
        return [{"id": person.pk, "name": str(person)} for person in entry.mentions]


class _FeedPage:
    """The feed as a sequence the paginator slices: each page reads only its entries."""

    def __init__(self, target: Model) -> None:
        self.target = target

    def count(self) -> int:
        return selectors.feed_count(self.target)

    def __getitem__(self, index: slice) -> list[selectors.FeedEntry]:
        start = index.start or 0
        return selectors.feed(self.target, limit=index.stop - start, offset=start)


_TYPE_HELP = "The record's type: customer, order, quote or opportunity."


class FeedView(TradepostAPIView):
    """A record's activity: its events (translated) and notes, newest first."""

    @extend_schema(
        operation_id="feed_list",
        parameters=[
            OpenApiParameter("target_type", str, required=True, description=_TYPE_HELP),
            OpenApiParameter("target_id", int, required=True),
        ],
        responses=FeedEntrySerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        _target, record = target_get(
            request.user,
            request.query_params.get("target_type", ""),
            request.query_params.get("target_id"),
        )
        paginator = StrictPageNumberPagination()
        page = paginator.paginate_queryset(_FeedPage(record), request, view=self)
        return paginator.get_paginated_response(FeedEntrySerializer(page, many=True).data)


class NoteInputSerializer(serializers.Serializer):
    target_type = serializers.CharField(max_length=40)
    target_id = serializers.IntegerField()
    body = serializers.CharField(max_length=NOTE_MAX_LENGTH)


class NoteOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    body = serializers.CharField()
    mentions = serializers.SerializerMethodField()
    attachments = FeedAttachmentSerializer(many=True, source="attachments.all")

    def get_mentions(self, note: Note) -> list[dict[str, Any]]:
        return [{"id": person.pk, "name": str(person)} for person in note.mentions.all()]


class NoteCreateView(TradepostAPIView):
    """Leave a note on a record the caller sees; people it @mentions who see the record
    too are e-mailed."""

    parser_classes = [parsers.JSONParser, parsers.MultiPartParser]

    @extend_schema(
        operation_id="note_create",
        request={
            "application/json": NoteInputSerializer,
            "multipart/form-data": NoteInputSerializer,
        },
        responses={201: NoteOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        data = NoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _target, record = target_get(
            request.user, data.validated_data["target_type"], data.validated_data["target_id"]
        )
        files = request.FILES.getlist("files") if hasattr(request.FILES, "getlist") else []
        note = services.note_add(
            actor=request.user, target=record, body=data.validated_data["body"], files=files
        )
        return Response(NoteOutputSerializer(note).data, status=status.HTTP_201_CREATED)
