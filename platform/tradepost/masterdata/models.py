"""Master data (seed S1 档案管理): the company, its branches and sales regions, product
categories, products, tax rates, document numbering and staff profiles.

Every table lives in the workspace's schema. Branches, sales regions and product
categories are trees (django-treebeard materialised paths): a node's subtree is every
row whose `path` starts with the node's `path`, one indexed query
(`selectors.branch_subtree_ids` and friends).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

MONEY_PLACES = Decimal("0.01")


class Currency(models.TextChoices):
    """ISO 4217 codes a workspace can price and hold accounts in."""

    CNY = "CNY", _("Chinese yuan (CNY)")
    HKD = "HKD", _("Hong Kong dollar (HKD)")
    USD = "USD", _("US dollar (USD)")
    EUR = "EUR", _("Euro (EUR)")
    GBP = "GBP", _("Pound sterling (GBP)")
    JPY = "JPY", _("Japanese yen (JPY)")
    KRW = "KRW", _("South Korean won (KRW)")
    SGD = "SGD", _("Singapore dollar (SGD)")
    TWD = "TWD", _("New Taiwan dollar (TWD)")
    AUD = "AUD", _("Australian dollar (AUD)")


DEFAULT_CURRENCY = Currency.CNY


def _one_default(model_name: str) -> models.UniqueConstraint:
    """At most one row may carry `is_default`."""
    return models.UniqueConstraint(
        fields=["is_default"],
        condition=models.Q(is_default=True),
        name=f"{model_name}_one_default",
    )


class CompanyProfile(models.Model):
    """The workspace's own company: one row per schema (see `singleton`)."""

    # Always TRUE and unique: a second row cannot exist.
    singleton = models.BooleanField(default=True, editable=False, unique=True)
    name = models.CharField(_("company name"), max_length=200)
    legal_name = models.CharField(_("registered name"), max_length=200, blank=True)
    tax_id = models.CharField(
        _("tax id"), max_length=50, blank=True, help_text=_("Unified social credit code or VAT id.")
    )
    address = models.TextField(_("address"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    base_currency = models.CharField(
        _("base currency"), max_length=3, choices=Currency.choices, default=DEFAULT_CURRENCY
    )
    # Display only: amounts print as ¥300,000.00 instead of 300,000.00 CNY on pages and
    # PDFs (`tradepost.amounts.money_text`); what is stored and sent by the API is the same.
    show_currency_symbols = models.BooleanField(_("show currency symbols"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("company profile")
        verbose_name_plural = _("company profiles")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(singleton=True), name="companyprofile_single_row"
            )
        ]

    def __str__(self) -> str:
        return self.name


class BankAccount(models.Model):
    """An account the company is paid into; printed on invoices and statements."""

    company = models.ForeignKey(
        CompanyProfile, on_delete=models.CASCADE, related_name="bank_accounts"
    )
    bank_name = models.CharField(_("bank"), max_length=200)
    account_name = models.CharField(_("account name"), max_length=200)
    account_number = models.CharField(_("account number"), max_length=64)
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=DEFAULT_CURRENCY
    )
    is_default = models.BooleanField(_("default account"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        ordering = ["-is_default", "bank_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["account_number"], name="bankaccount_unique_number"),
            _one_default("bankaccount"),
        ]

    def __str__(self) -> str:
        return f"{self.bank_name} {self.account_number}"


class TaxRate(models.Model):
    """A sales tax rate (e.g. VAT 13 %). `rate` is a percentage: 13.00 means 13 %."""

    name = models.CharField(_("name"), max_length=100)
    rate = models.DecimalField(
        _("rate (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    is_default = models.BooleanField(_("default rate"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("tax rate")
        verbose_name_plural = _("tax rates")
        ordering = ["rate", "name", "pk"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="taxrate_unique_name"),
            _one_default("taxrate"),
            models.CheckConstraint(
                condition=models.Q(rate__gte=0, rate__lte=100), name="taxrate_rate_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.rate.normalize():f}%)"


class DocumentSequence(models.Model):
    """Gap-free numbering of one kind of document (`key`) in one year.

    `format` is a `str.format` pattern with `{year}` and `{number}`, e.g.
    `SO-{year}-{number:05d}`. `last_number` is the last number handed out; only
    `services.document_number_next` changes it, under a row lock.
    """

    key = models.SlugField(_("document"), max_length=40)
    year = models.PositiveIntegerField(_("year"))
    format = models.CharField(_("format"), max_length=100)
    last_number = models.PositiveIntegerField(_("last number"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("document sequence")
        verbose_name_plural = _("document sequences")
        ordering = ["key", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["key", "year"], name="documentsequence_key_year")
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.year}"


class TreeNode(MP_Node):
    """Shared shape of the master-data trees: a name, an optional code, active flag."""

    name = models.CharField(_("name"), max_length=150)
    code = models.CharField(_("code"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name


def _unique_code(model_name: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        Lower("code"), condition=~models.Q(code=""), name=f"{model_name}_unique_code"
    )


class Branch(TreeNode):
    """A branch office, store or subsidiary (分公司/门店); branches nest."""

    address = models.TextField(_("address"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        constraints = [_unique_code("branch")]


class SalesRegion(TreeNode):
    """A sales region (销售区域), e.g. 华东 › 上海; regions nest."""

    class Meta:
        verbose_name = _("sales region")
        verbose_name_plural = _("sales regions")
        constraints = [_unique_code("salesregion")]


class ProductCategory(TreeNode):
    """A product category; categories nest."""

    class Meta:
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")
        constraints = [_unique_code("productcategory")]


def product_image_path(instance: Product, filename: str) -> str:
    # The tenant storage puts this under MEDIA_ROOT/<schema>/.
    return f"products/{filename}"


class Product(models.Model):
    """Something the company sells. SKU is unique ignoring case; barcode when given."""

    sku = models.CharField(_("SKU"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        ProductCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
        verbose_name=_("category"),
    )
    unit = models.CharField(_("unit"), max_length=20, default="pcs")
    barcode = models.CharField(_("barcode"), max_length=64, blank=True)
    image = models.ImageField(_("image"), upload_to=product_image_path, blank=True)
    list_price = models.DecimalField(
        _("list price"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=DEFAULT_CURRENCY
    )
    tax_rate = models.ForeignKey(
        TaxRate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
        verbose_name=_("tax rate"),
    )
    tracks_stock = models.BooleanField(
        _("track stock"),
        default=True,
        help_text=_(
            "Confirmed orders reserve it and deliveries issue it from a warehouse. "
            "Off for services and goods you do not keep in stock."
        ),
    )
    lot_tracked = models.BooleanField(
        _("lots and expiry"),
        default=False,
        help_text=_("Every receipt and delivery names a lot number with its expiry date."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["sku", "pk"]
        constraints = [
            models.UniqueConstraint(Lower("sku"), name="product_unique_sku"),
            models.UniqueConstraint(
                "barcode", condition=~models.Q(barcode=""), name="product_unique_barcode"
            ),
            models.CheckConstraint(
                condition=models.Q(list_price__gte=0), name="product_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class Location(models.Model):
    """A place that holds stock: a warehouse or a store (仓库/门店), in a branch.

    Each branch may name one default location: orders of the branch's customers (or of
    a branch below it) reserve and ship from there unless the order says otherwise
    (`selectors.location_default_for`). Deactivate rather than delete: the stock ledger
    refers to it.
    """

    class Kind(models.TextChoices):
        WAREHOUSE = "warehouse", _("Warehouse")
        STORE = "store", _("Store")

    name = models.CharField(_("name"), max_length=150)
    code = models.CharField(_("code"), max_length=40)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.WAREHOUSE)
    branch = models.ForeignKey(
        Branch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="locations",
        verbose_name=_("branch"),
    )
    address = models.TextField(_("address"), blank=True)
    is_default = models.BooleanField(
        _("branch default"),
        default=False,
        help_text=_("Orders of the branch's customers ship from here."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(Lower("code"), name="location_unique_code"),
            # One default per branch; and one workspace-wide default (no branch).
            models.UniqueConstraint(
                "branch",
                condition=models.Q(is_default=True, branch__isnull=False),
                name="location_one_default_per_branch",
            ),
            models.UniqueConstraint(
                "is_default",
                condition=models.Q(is_default=True, branch__isnull=True),
                name="location_one_workspace_default",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Supplier(models.Model):
    """Who the company buys from: the "in" side of receipts (供应商)."""

    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=40, blank=True)
    contact_name = models.CharField(_("contact"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    address = models.TextField(_("address"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["name", "pk"]
        constraints = [_unique_code("supplier")]

    def __str__(self) -> str:
        return self.name


class StaffProfile(models.Model):
    """Where a user works: their branch and, for sales staff, their sales region, and
    whom they report to (`manager`).

    Managers' record scope follows these (their branch's or region's subtree, and the
    people who report to them, directly or further down: `selectors.reports_of`).
    The reporting chain never loops (`services.staff_profile_update` refuses it).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_profile",
        verbose_name=_("user"),
    )
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="staff", verbose_name=_("branch")
    )
    region = models.ForeignKey(
        SalesRegion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("sales region"),
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("reports to"),
    )
    title = models.CharField(_("job title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        ordering = ["pk"]

    def __str__(self) -> str:
        return str(self.user)
