"""Page-number pagination with strict parameters: `?page=` and `?page_size=`
(at most MAX_PAGE_SIZE). A malformed value is a 400, not silently ignored."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class StrictPageNumberPagination(PageNumberPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
        errors = {}
        for name, upper in (("page", None), (self.page_size_query_param, self.max_page_size)):
            raw = request.query_params.get(name)
            if raw is None:
                continue
            if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
                errors[name] = [_("Must be a whole number of at least 1.")]
            elif upper is not None and int(raw) > upper:
                errors[name] = [_("Must be at most %(max)d.") % {"max": upper}]
        if errors:
            raise exceptions.ValidationError(errors)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["required"] = ["count", "results"]
        return response
