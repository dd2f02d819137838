"""The base every API view builds on: authentication, permissions, throttles,
idempotent POSTs and the error shape come from here, so modules only add resources."""

from __future__ import annotations

from django.db import transaction
from rest_framework import mixins, permissions, viewsets
from rest_framework.views import APIView

from api import idempotency
from api.throttling import caller_id


class RolePermissions(permissions.DjangoModelPermissions):
    """Model permissions of the caller's role, reads included (`view_<model>`)."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }


class IdempotentPostMixin:
    """POST with `Idempotency-Key` runs once per key; see api.idempotency."""

    def dispatch(self, request, *args, **kwargs):
        if request.method != "POST" or idempotency.HEADER not in request.headers:
            return super().dispatch(request, *args, **kwargs)
        self._idempotency = None
        with transaction.atomic():
            response = super().dispatch(request, *args, **kwargs)
            if self._idempotency is not None:
                idempotency.store(response=response, **self._idempotency)
        return response

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        key = request.headers.get(idempotency.HEADER)
        if request.method == "POST" and key is not None:
            claim = {
                "principal": caller_id(request) or "anonymous",
                "key": key,
                "request_fingerprint": idempotency.fingerprint(
                    request.method, request.path, request.data
                ),
            }
            idempotency.claim(**claim)
            self._idempotency = claim


class TradepostAPIView(IdempotentPostMixin, APIView):
    """Plain API view with the house conventions."""


class TradepostViewSet(IdempotentPostMixin, viewsets.GenericViewSet):
    """Viewset with the house conventions; add the mixins you need."""


class ReadOnlyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TradepostViewSet):
    pass
