"""Error pages: JSON in the API's error shape under /api/, HTML everywhere else."""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

from tradepost.errors import error_body


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request, exception):
    if _is_api(request):
        return JsonResponse(error_body("not_found", _("Not found.")), status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        message = _("Something went wrong on our side. It has been reported.")
        return JsonResponse(error_body("server_error", message), status=500)
    return defaults.server_error(request)
