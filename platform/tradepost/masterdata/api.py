"""`/api/v1/products/`, `/product-categories/`, `/branches/`, `/regions/`,
`/tax-rates/`, `/company/` and `/staff/`. Reads need the `view_` permission of the
model, writes `add_`/`change_` (the staff directory: `change_staffprofile` for both);
every write goes through masterdata.services."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Length, Substr
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from api.serializers import StrictModelSerializer, StrictSerializer, StringField
from api.views import ResourceViewSet, ServiceWritesMixin, TradepostAPIView
from tradepost.dataio.api import ImportExportMixin
from tradepost.masterdata import selectors, services
from tradepost.masterdata.filters import (
    ProductFilter,
    StaffFilter,
    TaxRateFilter,
    TreeNodeFilter,
)
from tradepost.masterdata.models import (
    BankAccount,
    Branch,
    CompanyProfile,
    Product,
    ProductCategory,
    SalesRegion,
    TaxRate,
    TreeNode,
)


class _CreateUpdateViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ResourceViewSet):
    """List, read, create and PATCH; nothing here is deleted over the API (records are
    deactivated, since other documents refer to them)."""

    http_method_names = ["get", "post", "patch", "head", "options"]


# --- Trees ---------------------------------------------------------------------------


class ParentField(serializers.PrimaryKeyRelatedField):
    """The parent node's id: read from the list's annotation, written as an id."""

    def use_pk_only_optimization(self):
        return False

    def get_attribute(self, instance):
        if hasattr(instance, "parent_id"):
            return instance.parent_id
        parent = type(instance).objects.get_parent(instance)
        return parent.pk if parent else None

    def to_representation(self, value):
        return value


def _with_parent_id(queryset):
    model = queryset.model
    parent_path = Substr(OuterRef("path"), 1, Length(OuterRef("path")) - model.steplen)
    return queryset.annotate(
        parent_id=Subquery(model.objects.filter(path=parent_path).values("pk")[:1])
    )


def _tree_serializer(tree_model: type[TreeNode], extra: tuple[str, ...] = ()):
    class Serializer(StrictModelSerializer):
        parent = ParentField(  # type: ignore[assignment]  # a field named like a DRF attribute
            queryset=tree_model.objects.all(),
            allow_null=True,
            required=False,
            help_text="Id of the parent node; null for a top-level node.",
        )

        class Meta:
            model = tree_model
            fields = ["id", "name", "code", "is_active", *extra, "parent", "depth", "updated_at"]
            read_only_fields = ["id", "depth", "updated_at"]
            validators: list = []

    Serializer.__name__ = f"{tree_model.__name__}Serializer"
    Serializer.__qualname__ = Serializer.__name__
    return Serializer


class _TreeViewSet(_CreateUpdateViewSet):
    tree_model: type[TreeNode]
    filterset_class = TreeNodeFilter
    search_fields = ["name", "code"]
    ordering_fields = ["path", "name", "code", "updated_at"]
    ordering = ["path"]

    def get_queryset(self):
        return _with_parent_id(self.tree_model.objects.order_by("path"))

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        parent = data.pop("parent", None)
        serializer.instance = services.tree_node_create(
            actor=self.request.user, model=self.tree_model, parent=parent, **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        extra = {"parent": data.pop("parent")} if "parent" in data else {}
        serializer.instance = services.tree_node_update(
            actor=self.request.user, node=serializer.instance, **data, **extra
        )


class BranchViewSet(_TreeViewSet):
    """Branches (分公司/门店), a tree. Everyone with a staff role reads them."""

    tree_model = Branch
    serializer_class = _tree_serializer(Branch, ("address", "phone"))


class SalesRegionViewSet(_TreeViewSet):
    """Sales regions (销售区域), a tree."""

    tree_model = SalesRegion
    serializer_class = _tree_serializer(SalesRegion)


class ProductCategoryViewSet(_TreeViewSet):
    """Product categories, a tree."""

    tree_model = ProductCategory
    serializer_class = _tree_serializer(ProductCategory)


# --- Products ------------------------------------------------------------------------


class ProductSerializer(StrictModelSerializer):
    image = serializers.ImageField(read_only=True, use_url=True)

    class Meta:
        model = Product
        fields = ["id", *services.PRODUCT_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["id", "image", "created_at", "updated_at"]
        validators: list = []
        extra_kwargs: dict[str, Any] = {"sku": {"validators": []}, "barcode": {"validators": []}}


class ProductViewSet(ImportExportMixin, _CreateUpdateViewSet):
    """The product catalogue. Every staff role reads it; sales managers and
    customer-information managers (and administrators) add, change and import."""

    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    search_fields = ["sku", "name", "barcode"]
    ordering_fields = ["sku", "name", "list_price", "created_at", "updated_at"]
    ordering = ["sku"]
    dataio_spec = "products"

    def get_queryset(self):
        return selectors.products_visible(self.request.user).order_by("sku", "pk")

    def perform_create(self, serializer):
        serializer.instance = services.product_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.product_update(
            actor=self.request.user, product=serializer.instance, **serializer.validated_data
        )


# --- Tax rates and the company -------------------------------------------------------


class TaxRateSerializer(StrictModelSerializer):
    class Meta:
        model = TaxRate
        fields = ["id", "name", "rate", "is_default", "is_active", "updated_at"]
        read_only_fields = ["id", "updated_at"]
        validators: list = []
        # Uniqueness is the service's rule (and the database's), not the serializer's.
        extra_kwargs: dict[str, Any] = {
            "is_default": {"validators": []},
            "name": {"validators": []},
        }


class TaxRateViewSet(_CreateUpdateViewSet):
    """Tax rates; `rate` is a percentage (13.00 = 13 %). Administrators change them."""

    serializer_class = TaxRateSerializer
    filterset_class = TaxRateFilter
    search_fields = ["name"]
    ordering_fields = ["rate", "name", "updated_at"]
    ordering = ["rate"]

    def get_queryset(self):
        return TaxRate.objects.order_by("rate", "name", "pk")

    def perform_create(self, serializer):
        serializer.instance = services.tax_rate_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.tax_rate_update(
            actor=self.request.user, tax_rate=serializer.instance, **serializer.validated_data
        )


class BankAccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = BankAccount
        fields = ["id", "bank_name", "account_name", "account_number", "currency", "is_default"]
        read_only_fields = fields


class CompanyProfileSerializer(StrictModelSerializer):
    bank_accounts = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = CompanyProfile
        fields = [*services.COMPANY_FIELDS, "bank_accounts", "updated_at"]

    @extend_schema_field(BankAccountSerializer(many=True))
    def get_bank_accounts(self, profile: CompanyProfile) -> list:
        if profile.pk is None:  # not saved yet
            return []
        # a field named like a DRF attribute
        return BankAccountSerializer(profile.bank_accounts.all(), many=True).data  # type: ignore[return-value]


class CompanyProfileView(TradepostAPIView):
    """The workspace's company: name, tax id, contact details, base currency and bank
    accounts. Executives and finance managers read it; administrators change it."""

    @extend_schema(responses=CompanyProfileSerializer)
    def get(self, request):
        if not request.user.has_perm("masterdata.view_companyprofile"):
            raise PermissionDenied()
        return Response(CompanyProfileSerializer(selectors.company_profile()).data)

    @extend_schema(request=CompanyProfileSerializer, responses=CompanyProfileSerializer)
    def patch(self, request):
        if not request.user.has_perm("masterdata.change_companyprofile"):
            raise PermissionDenied()
        data = CompanyProfileSerializer(
            selectors.company_profile(), data=request.data, partial=True
        )
        data.is_valid(raise_exception=True)
        services.company_profile_update(actor=request.user, **data.validated_data)
        return Response(CompanyProfileSerializer(selectors.company_profile()).data)


# --- Staff ---------------------------------------------------------------------------


class StaffSerializer(serializers.Serializer):
    """A member of staff: the user (read-only here; `/users/` changes roles) and their
    place in the organisation. `branch` is null until they are placed."""

    id = serializers.IntegerField(read_only=True, help_text="The user's id.")
    email = serializers.EmailField(read_only=True)
    full_name = serializers.CharField(read_only=True)
    role = serializers.SerializerMethodField()
    is_active = serializers.BooleanField(read_only=True)
    branch = serializers.SerializerMethodField()
    region = serializers.SerializerMethodField()
    manager = serializers.SerializerMethodField()
    title = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    updated_at = serializers.SerializerMethodField()

    @staticmethod
    def _profile(user):
        return getattr(user, "staff_profile", None)

    def get_role(self, user) -> str | None:
        roles = user.roles
        return roles[0] if roles else None

    def get_branch(self, user) -> int | None:
        profile = self._profile(user)
        return profile.branch_id if profile else None

    def get_region(self, user) -> int | None:
        profile = self._profile(user)
        return profile.region_id if profile else None

    def get_manager(self, user) -> int | None:
        profile = self._profile(user)
        return profile.manager_id if profile else None

    def get_title(self, user) -> str:
        profile = self._profile(user)
        return profile.title if profile else ""

    def get_phone(self, user) -> str:
        profile = self._profile(user)
        return profile.phone if profile else ""

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_updated_at(self, user):
        profile = self._profile(user)
        return (
            serializers.DateTimeField().to_representation(profile.updated_at) if profile else None
        )


class StaffUpdateSerializer(StrictSerializer):
    """What PATCH changes; fields left out stay as they are. A person's first profile
    needs `branch`. `manager` is a user id (null: reports to nobody)."""

    branch = serializers.PrimaryKeyRelatedField(queryset=Branch.objects.none())
    region = serializers.PrimaryKeyRelatedField(
        queryset=SalesRegion.objects.none(), allow_null=True
    )
    manager = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.none(), allow_null=True
    )
    title = StringField(max_length=100, allow_blank=True)
    phone = StringField(max_length=50, allow_blank=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        person = self.context.get("current")
        profile = getattr(person, "staff_profile", None)
        fields = self.fields
        fields["branch"].queryset = selectors.branches_choosable(
            keep=profile.branch if profile else None
        )
        fields["region"].queryset = selectors.regions_choosable(
            keep=profile.region if profile else None
        )
        # Any active member of staff (and the current manager): whether this one may be
        # the person's manager (not themself, no loop) is the service's rule and message.
        fields["manager"].queryset = selectors.managers_choosable(
            keep=profile.manager_id if profile else None
        )


class StaffPermissions(permissions.BasePermission):
    """The staff directory is the administrators' (`masterdata.change_staffprofile`),
    for reading and for changing."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.has_perm("masterdata.change_staffprofile"))


class StaffViewSet(ServiceWritesMixin, ResourceViewSet):
    """The staff directory: every user but dealers, with their branch, sales region,
    manager, job title and phone. Administrators list, read and PATCH it. A manager sees
    the customers and documents of everyone who reports to them, directly or further
    down, besides their branch's and region's."""

    serializer_class = StaffSerializer
    update_serializer_class = StaffUpdateSerializer
    permission_classes = [permissions.IsAuthenticated, StaffPermissions]
    filterset_class = StaffFilter
    search_fields = ["full_name", "email", "staff_profile__title"]
    ordering_fields = ["full_name", "email"]
    ordering = ["full_name", "email", "pk"]
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.staff_visible(self.request.user)

    def service_update(self, instance, data):
        services.staff_profile_update(actor=self.request.user, user=instance, **data)
        return instance

    @extend_schema(request=StaffUpdateSerializer, responses=StaffSerializer)
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)
