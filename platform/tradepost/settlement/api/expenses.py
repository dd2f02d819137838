"""`/api/v1/expenses/`: sales expense claims (销售费用) with their receipt, and the steps
`submit/` (the claimant), `approve/` and `reject/` (a reviewer who is not the
claimant; rejecting needs a `comment`) and `pay/` (finance, with a `reference`);
`expenses/{id}/receipt/` is the receipt (`settlement.expenses`).

Read as the expense pages read: whoever claims (their own claims), reviews (also the
claims on customers in their scope), pays or reads claims (finance and executives:
every claim) — `expenses.expenses_visible_to`; an id outside it is a 404. Claims are
made and changed by people (an API key claims nothing), as JSON or as
`multipart/form-data` with the `receipt` file: capped before and while it is read
(`tradepost.uploads`: 413 past MAX_UPLOAD_BYTES), then checked by the service (a PDF or
a photo of at most 5 MB, 400 naming `receipt`)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import parsers, permissions, serializers, status
from rest_framework.decorators import action

from api.fields import MoneyField
from api.lifecycle import AllowedActionsField
from api.serializers import ReadSerializer, StrictSerializer, StringField
from api.views import CanView, ServiceViewSet
from tradepost.customers.selectors import branches_visible_to, customers_visible_to
from tradepost.masterdata.models import Branch, Currency
from tradepost.settlement import expenses
from tradepost.settlement.api.common import (
    CustomerBriefSerializer,
    HoldsPermission,
    PdfWhateverAccept,
    VisibleOrderField,
    field_caller,
)
from tradepost.settlement.filters import ExpenseClaimApiFilter
from tradepost.settlement.models import ExpenseClaim

RECEIPT_MEDIA_TYPES = [kind for _start, kind, _suffix in expenses.RECEIPT_TYPES]


class ExpenseClaimSerializer(ReadSerializer):
    allowed_actions = AllowedActionsField(expenses.LIFECYCLE)
    claimant_name = serializers.CharField(
        source="claimant", read_only=True, help_text="The claimant's name (or e-mail)."
    )
    customer = CustomerBriefSerializer(read_only=True, allow_null=True)
    has_receipt = serializers.SerializerMethodField(
        help_text="A receipt was sent: read it at `receipt/`."
    )

    class Meta:
        model = ExpenseClaim
        fields = [
            "id",
            "number",
            "status",
            "allowed_actions",
            "claimant",
            "claimant_name",
            "customer",
            "order",
            "branch",
            "category",
            "description",
            "incurred_on",
            "currency",
            "amount",
            "has_receipt",
            "reviewed_by",
            "reviewed_at",
            "review_comment",
            "paid_by",
            "paid_at",
            "payment_reference",
            "created_at",
            "updated_at",
        ]

    def get_has_receipt(self, claim: ExpenseClaim) -> bool:
        return bool(claim.receipt)


@extend_schema_field(OpenApiTypes.INT)
class ClaimCustomerField(serializers.PrimaryKeyRelatedField):
    """An active customer of the caller's scope (a changed claim keeps its own)."""

    def get_queryset(self):
        chosen = Q(is_active=True)
        current = self.context.get("current")
        if current is not None and current.customer_id is not None:
            chosen |= Q(pk=current.customer_id)
        return customers_visible_to(field_caller(self)).filter(chosen)


@extend_schema_field(OpenApiTypes.INT)
class ClaimBranchField(serializers.PrimaryKeyRelatedField):
    """A branch of the caller's (a changed claim keeps its own)."""

    def get_queryset(self):
        branches = branches_visible_to(field_caller(self))
        current = self.context.get("current")
        if current is not None and current.branch_id is not None:
            return Branch.objects.filter(Q(pk__in=branches.values("pk")) | Q(pk=current.branch_id))
        return branches


class ExpenseClaimInputSerializer(StrictSerializer):
    """A claim as `expenses.expense_create` takes it; PATCH takes any of its fields (a
    new `receipt` replaces the one sent; none keeps it)."""

    description = StringField(max_length=300, help_text="What the money was spent on.")
    category = serializers.ChoiceField(
        choices=ExpenseClaim.Category.choices, required=False, help_text="Default other."
    )
    amount = MoneyField(help_text="More than zero.")
    currency = serializers.ChoiceField(
        choices=Currency.choices, required=False, help_text="Default: the base currency."
    )
    incurred_on = serializers.DateField(help_text="Today or earlier.")
    customer = ClaimCustomerField(
        required=False, allow_null=True, help_text="A customer of the caller's."
    )
    order = VisibleOrderField(
        required=False, allow_null=True, help_text="An order of the caller's: its customer's."
    )
    branch = ClaimBranchField(
        required=False, allow_null=True, help_text="For an expense of the branch."
    )
    receipt = serializers.FileField(
        required=False,
        allow_empty_file=False,
        max_length=200,
        help_text="A PDF or a photo (JPEG, PNG or WebP) of at most 5 MB; send the body "
        "as multipart/form-data.",
    )


class ExpenseApproveSerializer(StrictSerializer):
    comment = StringField(required=False, allow_blank=True, max_length=300)


_REJECT_WHY = gettext_lazy("Say why the claim is rejected.")


class ExpenseRejectSerializer(StrictSerializer):
    comment = StringField(
        max_length=300,
        help_text="Why; required (the claimant reads it).",
        error_messages={"required": _REJECT_WHY, "blank": _REJECT_WHY},
    )


class ExpensePaySerializer(StrictSerializer):
    reference = StringField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="The bank transfer, cash voucher …",
    )


_JSON_ONLY = [parsers.JSONParser]


@extend_schema_view(
    create=extend_schema(
        request={
            "application/json": ExpenseClaimInputSerializer,
            "multipart/form-data": ExpenseClaimInputSerializer,
        },
        responses={status.HTTP_201_CREATED: ExpenseClaimSerializer},
        summary="Claim an expense",
        description="A draft claim by the caller, for a `customer`, an `order` (its "
        "customer's) or a `branch` — at least one — with the receipt if sent; submit it "
        "when complete. Made by people only: an API key is refused (403). Needs "
        "`settlement.add_expenseclaim`.",
    ),
    partial_update=extend_schema(
        request={
            "application/json": ExpenseClaimInputSerializer,
            "multipart/form-data": ExpenseClaimInputSerializer,
        },
        responses=ExpenseClaimSerializer,
        summary="Change a draft or rejected claim",
        description="Its claimant only (anyone else: 403); any of its fields, a new "
        "`receipt` replacing the one sent. Another status: 400 with `status`.",
    ),
)
class ExpenseClaimViewSet(ServiceViewSet):
    """Expense claims the caller sees (see the module docstring), newest first."""

    serializer_class = ExpenseClaimSerializer
    create_serializer_class = ExpenseClaimInputSerializer
    update_serializer_class = ExpenseClaimInputSerializer
    filterset_class = ExpenseClaimApiFilter
    parser_classes = [parsers.JSONParser, parsers.MultiPartParser]
    search_fields = ["number", "description", "customer__name", "customer__code"]
    ordering_fields = ["created_at", "updated_at", "incurred_on", "amount"]
    ordering = ["-created_at", "-pk"]

    def get_permissions(self):
        if self.action in ("create", "partial_update"):
            return [permissions.IsAuthenticated(), CanView("settlement.add_expenseclaim")]
        return [permissions.IsAuthenticated(), HoldsPermission(expenses.EXPENSE_PAGES)]

    def get_queryset(self):
        return (
            expenses.expenses_visible_to(self.request.user)
            .select_related("claimant", "customer")
            .order_by("-created_at", "-pk")
        )

    def service_create(self, data: dict[str, Any]) -> ExpenseClaim:
        return expenses.expense_create(actor=self.request.user, **data)

    def service_update(self, instance: ExpenseClaim, data: dict[str, Any]) -> ExpenseClaim:
        return expenses.expense_update(actor=self.request.user, claim=instance, **data)

    @extend_schema(
        request=None,
        responses=ExpenseClaimSerializer,
        summary="Submit for review",
        description="draft or rejected → submitted; the claimant only.",
    )
    @action(detail=True, methods=["post"], parser_classes=_JSON_ONLY)
    def submit(self, request, pk=None):
        claim = self.get_object()
        return self._read(expenses.expense_submit(actor=request.user, claim=claim))

    @extend_schema(
        request=ExpenseApproveSerializer,
        responses=ExpenseClaimSerializer,
        summary="Approve",
        description="submitted → approved, with an optional `comment`. Needs "
        "`settlement.review_expenseclaim`; never the claimant's own claim.",
    )
    @action(detail=True, methods=["post"], parser_classes=_JSON_ONLY)
    def approve(self, request, pk=None):
        claim = self.get_object()
        data = self._body(ExpenseApproveSerializer)
        return self._read(
            expenses.expense_approve(
                actor=request.user, claim=claim, comment=data.get("comment", "")
            )
        )

    @extend_schema(
        request=ExpenseRejectSerializer,
        responses=ExpenseClaimSerializer,
        summary="Reject",
        description="submitted → rejected, saying why (`comment`, required); the "
        "claimant can change it and submit it again. Needs "
        "`settlement.review_expenseclaim`; never the claimant's own claim.",
    )
    @action(detail=True, methods=["post"], parser_classes=_JSON_ONLY)
    def reject(self, request, pk=None):
        claim = self.get_object()
        data = self._body(ExpenseRejectSerializer)
        return self._read(
            expenses.expense_reject(actor=request.user, claim=claim, comment=data["comment"])
        )

    @extend_schema(
        request=ExpensePaySerializer,
        responses=ExpenseClaimSerializer,
        summary="Mark paid",
        description="approved → paid, with the payment's `reference`. Needs "
        "`settlement.pay_expenseclaim`.",
    )
    @action(detail=True, methods=["post"], parser_classes=_JSON_ONLY)
    def pay(self, request, pk=None):
        claim = self.get_object()
        data = self._body(ExpensePaySerializer)
        return self._read(
            expenses.expense_pay(
                actor=request.user, claim=claim, reference=data.get("reference", "")
            )
        )

    @extend_schema(
        responses={
            (status.HTTP_200_OK, media_type): OpenApiTypes.BINARY
            for media_type in RECEIPT_MEDIA_TYPES
        },
        summary="The receipt",
        description="The file sent with the claim, to whoever sees the claim (404 when "
        "there is none): a photo inline, a PDF as an attachment, "
        "`<number>-receipt.<suffix>`.",
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        pagination_class=None,
        content_negotiation_class=PdfWhateverAccept,
    )
    def receipt(self, request, pk=None):
        claim = self.get_object()
        stored = expenses.receipt_open(claim)
        if stored is None:
            raise Http404
        response = FileResponse(
            stored.file,
            as_attachment=not stored.content_type.startswith("image/"),
            filename=stored.filename,
            content_type=stored.content_type,
        )
        response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
        response["Cache-Control"] = "private, no-store"
        return response


ROUTES = [("expenses", ExpenseClaimViewSet, "expense")]
