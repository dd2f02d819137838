"""The base every API view builds on: authentication, permissions, throttles,
idempotent POSTs and the error shape come from here, so modules only add resources."""

from __future__ import annotations

from django.db import transaction
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.response import Response
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


class ServiceWritesMixin:
    """create / partial_update through a service: validate with the write serializer,
    call the service, answer with the read serializer of the fresh row."""

    create_serializer_class: type[serializers.Serializer]
    update_serializer_class: type[serializers.Serializer] | None = None

    def service_create(self, data: dict):
        raise NotImplementedError

    def service_update(self, instance, data: dict):
        raise NotImplementedError

    def _read(self, instance, status_code=status.HTTP_200_OK) -> Response:
        # mixed into a GenericAPIView
        fresh = self.get_queryset().get(pk=instance.pk)  # type: ignore[attr-defined]
        # mixed into a GenericAPIView
        return Response(self.get_serializer(fresh).data, status=status_code)  # type: ignore[attr-defined]

    def create(self, request, *args, **kwargs):
        data = self.create_serializer_class(
            data=request.data, context=self.get_serializer_context()
        )
        data.is_valid(raise_exception=True)
        return self._read(self.service_create(data.validated_data), status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        instance = self.get_object()
        context = {**self.get_serializer_context(), "current": instance}
        data = self.update_serializer_class(data=request.data, partial=True, context=context)
        data.is_valid(raise_exception=True)
        return self._read(self.service_update(instance, data.validated_data))
