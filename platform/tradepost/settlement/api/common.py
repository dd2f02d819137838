"""What the settlement endpoints share: a customer inside a row, the customer, order
and delivery inputs (each in the caller's scope), the reason input, the PDF answer and
the base of their viewsets."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import permissions, serializers
from rest_framework.negotiation import DefaultContentNegotiation

from api.serializers import ReadSerializer, StrictSerializer, StringField
from api.views import CanView, ResourceViewSet, ServiceViewSet, ServiceWritesMixin
from tradepost.customers.models import Customer
from tradepost.customers.selectors import customers_visible_to
from tradepost.inventory.selectors import deliveries_visible_to
from tradepost.lifecycle import Permission, permitted
from tradepost.sales.selectors import orders_visible_to


class CustomerBriefSerializer(ReadSerializer):
    class Meta:
        model = Customer
        fields = ["id", "code", "name"]


def field_caller(field: serializers.Field) -> Any:
    """The user (or API key) of the request a serializer field reads."""
    return getattr(field.context.get("request"), "user", None)


@extend_schema_field(OpenApiTypes.INT)
class VisibleCustomerField(serializers.PrimaryKeyRelatedField):
    """A customer in the caller's scope, by id (any other id: "does not exist")."""

    def get_queryset(self):
        return customers_visible_to(field_caller(self))


@extend_schema_field(OpenApiTypes.INT)
class VisibleOrderField(serializers.PrimaryKeyRelatedField):
    """An order in the caller's scope, by id."""

    def get_queryset(self):
        return orders_visible_to(field_caller(self)).select_related("customer")


@extend_schema_field(OpenApiTypes.INT)
class VisibleDeliveryField(serializers.PrimaryKeyRelatedField):
    """A delivery of an order in the caller's scope, by id."""

    def get_queryset(self):
        return deliveries_visible_to(field_caller(self)).select_related("order")


class HoldsPermission(permissions.BasePermission):
    """The caller holds `permission` (one codename, all of a tuple, any of an `AnyOf`):
    for the resources a page opens to holders of one of several permissions."""

    def __init__(self, permission: Permission):
        self.permission = permission

    def has_permission(self, request, view):
        return permitted(request.user, self.permission)


class SettlementReasonSerializer(StrictSerializer):
    reason = StringField(
        required=False,
        allow_blank=True,
        max_length=300,
        help_text="Why; required to cancel what is posted to the ledger.",
    )


class PdfWhateverAccept(DefaultContentNegotiation):
    """A PDF action answers a PDF whatever `Accept` says (errors are still JSON)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """A PDF download named `filename`."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    return response


class SettlementViewSet(ServiceViewSet):
    """A settlement resource: read with `view_<model>`, created with `add_<model>` (the
    model permissions of the caller's role); its steps (`POST …/{id}/<step>/`) need
    only read access here, and the service checks the step's own permission (403)."""

    view_permission: str
    writes: tuple[str, ...] = ("create",)
    http_method_names = ["get", "post", "head", "options"]

    def get_permissions(self):
        if self.action not in ("list", "retrieve", *self.writes):
            return [permissions.IsAuthenticated(), CanView(self.view_permission)]
        return super().get_permissions()


class SettlementStepsViewSet(ResourceViewSet):
    """A settlement resource that is listed, read and taken through its steps, but not
    created or changed through the API as such (rebates: computed, then reviewed):
    read with `view_permission`, each step (`POST …/{id}/<step>/`) checked by its
    service. Steps parse and answer as `ServiceWritesMixin` does."""

    view_permission: str
    http_method_names = ["get", "post", "head", "options"]
    read_serializer_class: type[serializers.Serializer] | None = None

    _body = ServiceWritesMixin._body
    _read = ServiceWritesMixin._read
    _answer = ServiceWritesMixin._answer

    def get_permissions(self):
        return [permissions.IsAuthenticated(), CanView(self.view_permission)]
