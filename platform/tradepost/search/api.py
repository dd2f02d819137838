"""`GET /api/v1/search/?q=&types=&limit=`: the search page's answer as JSON.

The same parse and the same selector as the page (`selectors.parse_query`,
`selectors.search`): groups only for the caller's view permissions, records only in
the caller's scope. A bad `q`, `types` or `limit` is a 400 naming the parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from api.views import TradepostAPIView
from tradepost.search import selectors

T = TypeVar("T")


class SearchHitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField(help_text="The record's name or number.")  # type: ignore[assignment]  # a field named like a DRF attribute
    secondary = serializers.CharField(help_text="Code, customer, status: what tells it apart.")
    url = serializers.CharField(help_text="The record's page in the workspace (a path).")


class SearchGroupSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=selectors.KINDS, source="kind")
    title = serializers.CharField(help_text="The group's name in the caller's language.")
    results = SearchHitSerializer(many=True, source="hits")
    more = serializers.BooleanField(help_text="More records match than `limit`.")


class SearchResultSerializer(serializers.Serializer):
    query = serializers.CharField()
    groups = SearchGroupSerializer(many=True)


def _limit(raw: str | None) -> int:
    if raw is None:
        return selectors.DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        limit = 0
    if not 1 <= limit <= selectors.MAX_LIMIT:
        raise ValidationError(
            _("Give a whole number from 1 to %(max)d.") % {"max": selectors.MAX_LIMIT}
        )
    return limit


class SearchView(TradepostAPIView):
    """Customers, contacts, orders, quotes, opportunities and products whose name,
    code or number holds every word of `q` — Chinese, pinyin (full or initials:
    `hzmd` finds 杭州明达) or Latin letters. One group per type the caller may view,
    at most `limit` records each (newest first), only records the caller may open."""

    @extend_schema(
        operation_id="search",
        parameters=[
            OpenApiParameter(
                "q",
                str,
                required=True,
                description=f"Words to find, 1 to {selectors.MAX_QUERY_LENGTH} characters.",
            ),
            OpenApiParameter(
                "types",
                str,
                description="Comma-separated types to search (all when left out): "
                + ", ".join(selectors.KINDS)
                + ".",
            ),
            OpenApiParameter(
                "limit",
                int,
                description=f"Records per group, 1 to {selectors.MAX_LIMIT} "
                f"(default {selectors.DEFAULT_LIMIT}).",
            ),
        ],
        responses=SearchResultSerializer,
    )
    def get(self, request):
        params = request.query_params
        errors: dict[str, list[str]] = {}

        def parsed(name: str, parse: Callable[[str | None], T], default: T) -> T:
            try:
                return parse(params.get(name))
            except ValidationError as error:
                errors[name] = error.messages
                return default

        words = parsed("q", selectors.parse_query, [])
        kinds = parsed("types", selectors.parse_kinds, [])
        limit = parsed("limit", _limit, selectors.DEFAULT_LIMIT)
        if errors:
            raise ValidationError(errors)
        groups = selectors.search(request.user, words, kinds=kinds, limit=limit)
        body = {"query": params["q"].strip(), "groups": groups}
        return Response(SearchResultSerializer(body).data)
