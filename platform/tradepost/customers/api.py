"""`/api/v1/customers/`, `/contacts/`, `/customer-groups/`, `/price-lists/`,
`/credit-ratings/`, `/activities/`, `/tickets/` and `/dealer-reports/`.

Every queryset comes from the record-ownership selectors (`customers/selectors.py`),
so a caller lists, searches, reads and changes only the customers of its scope; an id
outside it is a 404. Writes go through the same services as the browser.

Every filter and write field taking a user, customer, group, branch or region id takes
it from the caller's choices (selectors.py, "Choices"; `scoped_fields.py`): an id
outside them is answered exactly like an id nobody has, so the API tells no one which
ids exist beyond their scope.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import filters, mixins, permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from api.fields import MoneyField
from api.serializers import ReadSerializer, StrictModelSerializer, StrictSerializer
from api.views import RolePermissions, ServiceViewSet, ServiceWritesMixin, TradepostViewSet
from tradepost.customers import selectors, services
from tradepost.customers.credit import FACTORS
from tradepost.customers.filters import (
    ActivityFilter,
    ContactFilter,
    CreditRatingFilter,
    CustomerFilter,
    CustomerGroupFilter,
    DealerReportFilter,
    PriceListFilter,
    TicketFilter,
)
from tradepost.customers.models import (
    Activity,
    Contact,
    CreditRating,
    Customer,
    CustomerGroup,
    DealerReport,
    PriceList,
    PriceListLine,
    Tag,
    Ticket,
)
from tradepost.customers.prices import SOURCES, price_resolve
from tradepost.customers.scoped_fields import (
    ScopedChoiceField,
    VisibleCustomerField,
)
from tradepost.dataio.api import ImportExportMixin
from tradepost.masterdata.models import Currency, Product
from tradepost.text import MULTI_LINE


# --- Customers -----------------------------------------------------------------------
class CustomerSerializer(ReadSerializer):
    """A customer as the caller may see it."""

    tags = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = [
            "id",
            *services.CUSTOMER_FIELDS,
            "tags",
            *services.CREDIT_FIELDS,
            "credit_grade",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            "credit_grade": {"help_text": "Grade of the latest credit rating (A–E), or empty."},
            "credit_limit": {"help_text": "In the customer's currency."},
        }

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_tags(self, customer) -> list[str]:
        return [tag.name for tag in customer.tags.all()]


class CustomerWriteSerializer(StrictModelSerializer):
    group = ScopedChoiceField("group", allow_null=True, required=False)
    branch = ScopedChoiceField("branch", allow_null=True, required=False)
    region = ScopedChoiceField("region", allow_null=True, required=False)
    owner = ScopedChoiceField(
        "user",
        allow_null=True,
        required=False,
        help_text="The salesperson (user id): yourself or someone in your team.",
    )
    portal_user = ScopedChoiceField(
        "dealer",
        allow_null=True,
        required=False,
        help_text="The dealer's own user (dealer role), for the dealer portal.",
    )
    referred_by = VisibleCustomerField(allow_null=True, required=False)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50),
        max_length=services.MAX_TAGS,
        required=False,
        help_text="Tag names; replaces the customer's tags.",
    )
    code = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text="Unique; left out or empty on create, one is made (C000123).",
    )
    credit_limit = MoneyField(required=False, help_text="Needs the finance permission.")
    payment_terms_days = serializers.IntegerField(
        required=False, min_value=0, max_value=365, help_text="Needs the finance permission."
    )

    class Meta:
        model = Customer
        fields = [*services.CUSTOMER_FIELDS, "tags", *services.CREDIT_FIELDS]
        validators: list[Any] = []


class CustomerSearchFilter(filters.SearchFilter):
    """`?search=` matches what the customer list's search box matches (name, code, tax
    id, phone, e-mail, and contacts' names, phones and e-mails), without duplicates."""

    def filter_queryset(self, request, queryset, view):
        terms = request.query_params.get(self.search_param, "")
        return selectors.customer_search(queryset, terms.replace("\x00", ""))


class CustomerPermissions(RolePermissions):
    """PATCH is open to `change_customer` and to `change_credit_terms` (finance); the
    service checks which fields each may change."""

    def has_permission(self, request, view):
        if request.method == "PATCH" and request.user and request.user.is_authenticated:
            return request.user.has_perm("customers.change_customer") or request.user.has_perm(
                "customers.change_credit_terms"
            )
        return super().has_permission(request, view)


class PriceQuerySerializer(StrictSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    date = serializers.DateField(required=False)
    currency = serializers.ChoiceField(choices=Currency.choices, required=False)


class ResolvedPriceSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    product = serializers.IntegerField(source="product_id")
    unit_price = MoneyField(min_value=None, help_text="Tax-exclusive.")
    currency = serializers.CharField(
        help_text="The price's currency. For `list price` it is the product's own "
        "currency, which may differ from the one asked for."
    )
    # a field named like a DRF attribute
    source = serializers.ChoiceField(choices=[(source, source) for source in SOURCES])  # type: ignore[assignment]
    price_list = serializers.IntegerField(source="price_list_id", allow_null=True)
    on_date = serializers.DateField()
    tax_included = serializers.BooleanField()


@extend_schema_view(
    create=extend_schema(
        request=CustomerWriteSerializer, responses={status.HTTP_201_CREATED: CustomerSerializer}
    ),
    partial_update=extend_schema(request=CustomerWriteSerializer, responses=CustomerSerializer),
)
class CustomerViewSet(
    ImportExportMixin,
    ServiceWritesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    TradepostViewSet,
):
    """Customers in the caller's scope (salespeople: their own; managers: their branch
    or region; executives, finance and administrators: all). Deactivate with
    `is_active: false`; customers are never deleted."""

    serializer_class = CustomerSerializer
    dataio_spec = "customers"
    create_serializer_class = CustomerWriteSerializer
    update_serializer_class = CustomerWriteSerializer
    permission_classes = [permissions.IsAuthenticated, CustomerPermissions]
    filterset_class = CustomerFilter
    filter_backends = [
        # class-level filter list
        *(b for b in TradepostViewSet.filter_backends if b is not filters.SearchFilter),  # type: ignore[misc]
        CustomerSearchFilter,
    ]
    search_fields = ["name", "code", "tax_id", "phone", "email", "contacts__name"]
    ordering_fields = ["name", "code", "created_at", "updated_at", "credit_limit"]
    ordering = ["name_sort", "pk"]  # by the name's pinyin key (`tradepost.collation`)
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            selectors.customers_visible_to(self.request.user)
            .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
            .order_by("name_sort", "pk")
        )

    def service_create(self, data):
        return services.customer_create(actor=self.request.user, **data)

    def service_update(self, instance, data):
        return services.customer_update(actor=self.request.user, customer=instance, **data)

    @extend_schema(
        parameters=[
            OpenApiParameter("product", OpenApiTypes.INT, required=True, description="Product id."),
            OpenApiParameter(
                "date", OpenApiTypes.DATE, description="Price on this day (default: today)."
            ),
            OpenApiParameter(
                "currency",
                str,
                enum=Currency.values,
                description="Default: the customer's currency.",
            ),
        ],
        responses=ResolvedPriceSerializer,
        summary="The customer's price for a product",
        description="Resolved by the one rule: the customer's own price list valid on the "
        "date in the currency, else the customer group's list, else the product's list "
        "price. Tax-exclusive.",
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def price(self, request, pk=None):
        if not request.user.has_perm("customers.view_pricelist"):
            raise PermissionDenied
        customer = self.get_object()
        query = PriceQuerySerializer(
            data={
                key: request.query_params[key]
                for key in ("product", "date", "currency")
                if key in request.query_params
            }
        )
        query.is_valid(raise_exception=True)
        resolved = price_resolve(
            customer=customer,
            product=query.validated_data["product"],
            on_date=query.validated_data.get("date"),
            currency=query.validated_data.get("currency"),
        )
        body = ResolvedPriceSerializer(
            {
                "customer": customer.pk,
                "product_id": resolved.product_id,
                "unit_price": resolved.unit_price,
                "currency": resolved.currency,
                "source": resolved.source,
                "price_list_id": resolved.price_list_id,
                "on_date": resolved.on_date,
                "tax_included": resolved.tax_included,
            }
        )
        return Response(body.data)


# --- Customer groups -----------------------------------------------------------------
class CustomerGroupSerializer(StrictModelSerializer):
    class Meta:
        model = CustomerGroup
        fields = ["id", "name", "description", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list[Any] = []


@extend_schema_view(
    create=extend_schema(responses={status.HTTP_201_CREATED: CustomerGroupSerializer}),
)
class CustomerGroupViewSet(ServiceViewSet):
    """Customer groups (price lists can belong to a group)."""

    serializer_class = CustomerGroupSerializer
    create_serializer_class = CustomerGroupSerializer
    update_serializer_class = CustomerGroupSerializer
    filterset_class = CustomerGroupFilter
    search_fields = ["name", "description"]
    ordering_fields = ["name", "created_at", "updated_at"]
    ordering = ["name"]

    def get_queryset(self):
        return CustomerGroup.objects.order_by("name", "pk")

    def service_create(self, data):
        return services.customer_group_create(actor=self.request.user, **data)

    def service_update(self, instance, data):
        return services.customer_group_update(actor=self.request.user, group=instance, **data)


# --- Contacts ------------------------------------------------------------------------
CONTACT_FIELDS = [
    "code",
    "name",
    "title",
    "phone",
    "mobile",
    "email",
    "wechat",
    "is_primary",
    "notes",
]


class ContactSerializer(ReadSerializer):
    class Meta:
        model = Contact
        fields = ["id", "customer", *CONTACT_FIELDS, "created_at", "updated_at"]


class ContactUpdateSerializer(StrictModelSerializer):
    class Meta:
        model = Contact
        fields = CONTACT_FIELDS
        validators: list[Any] = []
        extra_kwargs = {
            "code": {
                "required": False,
                "allow_blank": True,
                "help_text": "Unique; left out or empty on create, one is made (P000123).",
            }
        }


class ContactCreateSerializer(ContactUpdateSerializer):
    customer = VisibleCustomerField()

    class Meta(ContactUpdateSerializer.Meta):
        fields = ["customer", *CONTACT_FIELDS]


@extend_schema_view(
    create=extend_schema(
        request=ContactCreateSerializer, responses={status.HTTP_201_CREATED: ContactSerializer}
    ),
    partial_update=extend_schema(request=ContactUpdateSerializer, responses=ContactSerializer),
)
class ContactViewSet(ImportExportMixin, mixins.DestroyModelMixin, ServiceViewSet):
    """People at the caller's customers. One primary contact per customer: making one
    primary makes the previous one not."""

    serializer_class = ContactSerializer
    dataio_spec = "contacts"
    create_serializer_class = ContactCreateSerializer
    update_serializer_class = ContactUpdateSerializer
    answer_create_from_row = True  # plain columns, as `contact_create` wrote them
    filterset_class = ContactFilter
    search_fields = ["name", "phone", "mobile", "email", "customer__name"]
    ordering_fields = ["name", "created_at", "updated_at"]
    ordering = ["name"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.contacts_visible_to(self.request.user).order_by("name", "pk")

    def service_create(self, data):
        return services.contact_create(actor=self.request.user, **data)

    def service_update(self, instance, data):
        return services.contact_update(actor=self.request.user, contact=instance, **data)

    def perform_destroy(self, instance):
        services.contact_delete(actor=self.request.user, contact=instance)


# --- Price lists ---------------------------------------------------------------------
class PriceListLineSerializer(serializers.ModelSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    unit_price = MoneyField(help_text="Tax-exclusive.")

    class Meta:
        model = PriceListLine
        fields = ["product", "unit_price"]


class PriceListSerializer(ReadSerializer):
    line_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = PriceList
        fields = [
            "id",
            "name",
            "customer",
            "group",
            "currency",
            "valid_from",
            "valid_to",
            "notes",
            "line_count",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"valid_to": {"help_text": "Inclusive; null means open-ended."}}


class PriceListDetailSerializer(PriceListSerializer):
    lines = PriceListLineSerializer(many=True, read_only=True)

    class Meta(PriceListSerializer.Meta):
        fields = [*PriceListSerializer.Meta.fields, "lines"]


class PriceListUpdateSerializer(StrictModelSerializer):
    lines = PriceListLineSerializer(
        many=True, required=False, help_text="Every price of the list; replaces the old lines."
    )

    class Meta:
        model = PriceList
        fields = ["name", "currency", "valid_from", "valid_to", "notes", "lines"]
        validators: list[Any] = []

    def validate(self, attrs):
        start = attrs.get("valid_from", getattr(self.instance, "valid_from", None))
        end = attrs.get("valid_to")
        if start and end and end < start:
            raise serializers.ValidationError({"valid_to": ["The end date is before the start."]})
        return attrs


class PriceListCreateSerializer(PriceListUpdateSerializer):
    customer = VisibleCustomerField(allow_null=True, required=False)
    group = ScopedChoiceField("group", allow_null=True, required=False)

    class Meta(PriceListUpdateSerializer.Meta):
        fields = ["name", "customer", "group", *PriceListUpdateSerializer.Meta.fields[1:]]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if bool(attrs.get("customer")) == bool(attrs.get("group")):
            raise serializers.ValidationError(
                {"non_field_errors": ["Give either `customer` or `group`."]}
            )
        return attrs


@extend_schema_view(
    retrieve=extend_schema(responses=PriceListDetailSerializer),
    create=extend_schema(
        request=PriceListCreateSerializer,
        responses={status.HTTP_201_CREATED: PriceListDetailSerializer},
    ),
    partial_update=extend_schema(
        request=PriceListUpdateSerializer, responses=PriceListDetailSerializer
    ),
)
class PriceListViewSet(mixins.DestroyModelMixin, ServiceViewSet):
    """Per-customer and per-group price lists: tax-exclusive prices in one currency over
    a validity period. Lists of one owner and currency must not overlap (400). The
    list gives `line_count`; one list's `lines` come with it by id."""

    serializer_class = PriceListSerializer
    create_serializer_class = PriceListCreateSerializer
    update_serializer_class = PriceListUpdateSerializer
    filterset_class = PriceListFilter
    search_fields = ["name", "customer__name", "group__name"]
    ordering_fields = ["name", "valid_from", "created_at", "updated_at"]
    ordering = ["-valid_from"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_serializer_class(self):
        if self.action == "list":
            return PriceListSerializer
        return PriceListDetailSerializer

    def get_queryset(self):
        price_lists = (
            selectors.price_lists_visible_to(self.request.user)
            .annotate(line_count=Count("lines"))
            .order_by("-valid_from", "-pk")
        )
        if self.action != "list":
            price_lists = price_lists.prefetch_related(
                Prefetch("lines", queryset=PriceListLine.objects.order_by("product_id"))
            )
        return price_lists

    def service_create(self, data):
        return services.price_list_create(actor=self.request.user, **data)

    def service_update(self, instance, data):
        return services.price_list_update(actor=self.request.user, price_list=instance, **data)

    def perform_destroy(self, instance):
        services.price_list_delete(actor=self.request.user, price_list=instance)


# --- Credit ratings ------------------------------------------------------------------
class CreditRatingSerializer(ReadSerializer):
    class Meta:
        model = CreditRating
        fields = [
            "id",
            "customer",
            *FACTORS,
            "score",
            "grade",
            "weights",
            "comment",
            "rated_by",
            "rated_at",
            "updated_at",
        ]


class CreditRatingCreateSerializer(StrictSerializer):
    customer = VisibleCustomerField()
    reputation = serializers.IntegerField(min_value=1, max_value=5)
    solvency = serializers.IntegerField(min_value=1, max_value=5)
    financial_backing = serializers.IntegerField(min_value=1, max_value=5)
    loyalty = serializers.IntegerField(min_value=1, max_value=5)
    personal_quality = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, style=MULTI_LINE
    )


@extend_schema_view(
    create=extend_schema(
        request=CreditRatingCreateSerializer,
        responses={status.HTTP_201_CREATED: CreditRatingSerializer},
        description="Rate a customer on the five factors (1–5). score = Σ weight × factor "
        "× 20 with weights reputation 0.25, solvency 0.25, financial backing 0.20, loyalty "
        "0.15, personal quality 0.15; grade A ≥ 85, B ≥ 70, C ≥ 55, D ≥ 40, else E. The "
        "customer's `credit_grade` becomes this grade.",
    ),
)
class CreditRatingViewSet(ServiceViewSet):
    """The credit-rating history of the caller's customers, newest first."""

    serializer_class = CreditRatingSerializer
    create_serializer_class = CreditRatingCreateSerializer
    filterset_class = CreditRatingFilter
    search_fields = ["customer__name", "comment"]
    ordering_fields = ["rated_at", "score"]
    ordering = ["-rated_at"]

    def get_queryset(self):
        return selectors.credit_ratings_visible_to(self.request.user).order_by("-rated_at", "-pk")

    def service_create(self, data):
        return services.credit_rating_create(actor=self.request.user, **data)


# --- Activities ----------------------------------------------------------------------
class ActivitySerializer(ReadSerializer):
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "customer",
            "contact",
            "kind",
            "subject",
            "notes",
            "due_at",
            "done_at",
            "is_overdue",
            "owner",
            "created_at",
            "updated_at",
        ]


class ActivityCreateSerializer(StrictModelSerializer):
    customer = VisibleCustomerField()
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.all(), allow_null=True, required=False
    )
    owner = ScopedChoiceField(
        "user",
        allow_null=True,
        required=False,
        help_text="Yourself (the default) or someone in your team.",
    )

    class Meta:
        model = Activity
        fields = ["customer", "kind", "subject", "notes", "due_at", "contact", "owner"]


class ActivityUpdateSerializer(ActivityCreateSerializer):
    customer = None  # type: ignore[assignment]  # the customer is not changed
    done = serializers.BooleanField(
        required=False, help_text="true marks the activity done now; false reopens it."
    )

    class Meta(ActivityCreateSerializer.Meta):
        fields = ["kind", "subject", "notes", "due_at", "contact", "owner", "done"]


@extend_schema_view(
    create=extend_schema(
        request=ActivityCreateSerializer, responses={status.HTTP_201_CREATED: ActivitySerializer}
    ),
    partial_update=extend_schema(request=ActivityUpdateSerializer, responses=ActivitySerializer),
)
class ActivityViewSet(mixins.DestroyModelMixin, ServiceViewSet):
    """Calls, visits, e-mails and tasks with the caller's customers."""

    serializer_class = ActivitySerializer
    create_serializer_class = ActivityCreateSerializer
    update_serializer_class = ActivityUpdateSerializer
    filterset_class = ActivityFilter
    search_fields = ["subject", "notes", "customer__name"]
    ordering_fields = ["due_at", "created_at", "updated_at"]
    ordering = ["due_at"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.activities_visible_to(self.request.user).order_by("due_at", "-pk")

    def service_create(self, data):
        return services.activity_create(actor=self.request.user, **data)

    def service_update(self, instance, data):
        return services.activity_update(actor=self.request.user, activity=instance, **data)

    def perform_destroy(self, instance):
        services.activity_delete(actor=self.request.user, activity=instance)


# --- Tickets -------------------------------------------------------------------------
class TicketSerializer(ReadSerializer):
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "customer",
            "contact",
            "kind",
            "priority",
            "status",
            "subject",
            "description",
            "resolution",
            "assignee",
            "sla_due_at",
            "is_overdue",
            "resolved_at",
            "closed_at",
            "created_at",
            "updated_at",
        ]


class TicketUpdateSerializer(StrictModelSerializer):
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.all(), allow_null=True, required=False
    )
    assignee = ScopedChoiceField(
        "user", allow_null=True, required=False, help_text="Yourself or someone in your team."
    )

    class Meta:
        model = Ticket
        fields = [
            "kind",
            "priority",
            "status",
            "subject",
            "description",
            "resolution",
            "contact",
            "assignee",
        ]
        extra_kwargs = {
            "status": {
                "help_text": "open → in_progress → resolved → closed (reopening allowed "
                "until closed; closed is final)."
            }
        }


class TicketCreateSerializer(TicketUpdateSerializer):
    customer = VisibleCustomerField()

    class Meta(TicketUpdateSerializer.Meta):
        fields = ["customer", "kind", "priority", "subject", "description", "contact", "assignee"]


@extend_schema_view(
    create=extend_schema(
        request=TicketCreateSerializer,
        responses={status.HTTP_201_CREATED: TicketSerializer},
        description="Open a ticket. The SLA due time is set from type and priority: "
        "complaints 4 h (urgent), 8 h (high), 24 h (normal), 72 h (low); inquiries 8, 24, "
        "48 and 120 h.",
    ),
    partial_update=extend_schema(request=TicketUpdateSerializer, responses=TicketSerializer),
)
class TicketViewSet(ServiceViewSet):
    """Service tickets (inquiries and complaints) of the caller's customers."""

    serializer_class = TicketSerializer
    create_serializer_class = TicketCreateSerializer
    update_serializer_class = TicketUpdateSerializer
    filterset_class = TicketFilter
    search_fields = ["subject", "description", "customer__name"]
    ordering_fields = ["created_at", "sla_due_at", "updated_at"]
    ordering = ["-created_at"]

    def get_queryset(self):
        return selectors.tickets_visible_to(self.request.user).order_by("-created_at", "-pk")

    def service_create(self, data):
        return services.ticket_create(actor=self.request.user, **data)

    def service_update(self, instance, data):
        return services.ticket_update(actor=self.request.user, ticket=instance, **data)


# --- Dealer reports ------------------------------------------------------------------
DEALER_REPORT_FIELDS = [
    "kind",
    "subject",
    "details",
    "end_customer_name",
    "end_customer_contact",
    "competitor_name",
    "competitor_product",
    "competitor_price",
    "currency",
]


class DealerReportSerializer(ReadSerializer):
    class Meta:
        model = DealerReport
        fields = ["id", "dealer", *DEALER_REPORT_FIELDS, "reported_by", "created_at", "updated_at"]


class DealerReportCreateSerializer(StrictModelSerializer):
    dealer = VisibleCustomerField(help_text="A customer of the dealer or franchise channel.")
    competitor_price = MoneyField(required=False, allow_null=True)

    class Meta:
        model = DealerReport
        fields = ["dealer", *DEALER_REPORT_FIELDS]


@extend_schema_view(
    create=extend_schema(
        request=DealerReportCreateSerializer,
        responses={status.HTTP_201_CREATED: DealerReportSerializer},
    ),
)
class DealerReportViewSet(ServiceViewSet):
    """Dealers' reports of end customers and competitor intelligence (a dealer's key
    sees nothing: a dealer reports in the portal as their user)."""

    serializer_class = DealerReportSerializer
    create_serializer_class = DealerReportCreateSerializer
    filterset_class = DealerReportFilter
    search_fields = ["subject", "details", "end_customer_name", "competitor_name"]
    ordering_fields = ["created_at", "updated_at"]
    ordering = ["-created_at"]

    def get_queryset(self):
        return selectors.dealer_reports_visible_to(self.request.user).order_by("-created_at", "-pk")

    def service_create(self, data):
        return services.dealer_report_create(actor=self.request.user, **data)
