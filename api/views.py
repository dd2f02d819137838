"""The base every API view builds on: authentication, permissions, throttles,
idempotent POSTs and the error shape come from here, so modules only add resources."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.generics import GenericAPIView
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


class CanView(permissions.BasePermission):
    """For a resource's actions (`submit/`, `move/` …): the caller must be able to read
    the resource (`CanView("sales.view_order")`); the service then checks the step's
    own permission, so a refusal there is the service's 403."""

    def __init__(self, permission: str):
        self.permission = permission

    def has_permission(self, request, view):
        return bool(request.user and request.user.has_perm(self.permission))


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


class ResourceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TradepostViewSet):
    """A resource listed and read in the caller's scope (`get_queryset` scopes it), with
    the model permissions of the caller's role: `view_` to read, `add_` / `change_` /
    `delete_` to write. Add `mixins.CreateModelMixin` and the like, or use
    `ServiceViewSet`."""

    permission_classes = [permissions.IsAuthenticated, RolePermissions]


if TYPE_CHECKING:  # mixed into a GenericAPIView: let the type checker see its methods
    _ServiceWritesBase = GenericAPIView
else:
    _ServiceWritesBase = object


class ServiceWritesMixin(_ServiceWritesBase):
    """Writes through a service: a write serializer validates the body, a service
    function writes, and the answer is the fresh row (read again through the caller's
    `get_queryset()`, so it is what a GET would show).

    `create` / `partial_update` call `service_create(data)` / `service_update(instance,
    data)` with the validated data of `create_serializer_class` /
    `update_serializer_class` (partial). Actions and viewsets with their own `create`
    use the same two steps: `data = self._body(SomeSerializer)`, then
    `return self._read(service(...))`. `read_serializer_class` names the answer's
    serializer where it is not the viewset's own (a list that shows summaries).
    `answer_create_from_row` answers a create from the row the service wrote."""

    create_serializer_class: type[serializers.Serializer]
    update_serializer_class: type[serializers.Serializer] | None = None
    read_serializer_class: type[serializers.Serializer] | None = None
    # True where the row `service_create` returns holds every field of the answer as
    # the database has it (no annotations, prefetches or database defaults the read
    # serializer needs): the create is then answered from it, without reading it back.
    answer_create_from_row = False

    def service_create(self, data: dict):
        raise NotImplementedError

    def service_update(self, instance, data: dict):
        raise NotImplementedError

    def _body(self, serializer_class, *, partial: bool = False, context=None) -> dict:
        """The request body, validated by `serializer_class` (a 400 when it is not)."""
        data = serializer_class(
            data=self.request.data,
            partial=partial,
            context=context if context is not None else self.get_serializer_context(),
        )
        data.is_valid(raise_exception=True)
        return data.validated_data

    def _read(self, instance, status_code=status.HTTP_200_OK) -> Response:
        """`instance` as the caller's queryset now has it, in the read serializer."""
        return self._answer(self.get_queryset().get(pk=instance.pk), status_code)

    def _answer(self, instance, status_code=status.HTTP_200_OK) -> Response:
        """`instance` itself in the read serializer (see `answer_create_from_row`)."""
        body: serializers.BaseSerializer
        if self.read_serializer_class is not None:
            body = self.read_serializer_class(instance, context=self.get_serializer_context())
        else:
            body = self.get_serializer(instance)
        return Response(body.data, status=status_code)

    def create(self, request, *args, **kwargs):
        data = self._body(self.create_serializer_class)
        created = self.service_create(data)
        if self.answer_create_from_row:
            return self._answer(created, status.HTTP_201_CREATED)
        return self._read(created, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        if self.update_serializer_class is None:  # a resource that is only created
            raise exceptions.MethodNotAllowed(request.method)
        instance = self.get_object()
        context = {**self.get_serializer_context(), "current": instance}
        data = self._body(self.update_serializer_class, partial=True, context=context)
        return self._read(self.service_update(instance, data))


class ServiceViewSet(ServiceWritesMixin, ResourceViewSet):
    """The usual resource: list, read, create and PATCH, every write through a service
    (`service_create` / `service_update`, see `ServiceWritesMixin`). Add
    `mixins.DestroyModelMixin` with a `perform_destroy` that calls the service to
    delete, and `"delete"` to `http_method_names`."""

    http_method_names = ["get", "post", "patch", "head", "options"]
