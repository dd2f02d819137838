"""Customers and CRM (seed S1 客户管理, S6, S7): companies with their contacts, tags and
groups, credit terms and the five-factor dealer credit rating, activities, service
tickets, dealers' reports, saved list filters — and per-customer / per-group price
lists (see `pricing.py` for the one rule that resolves a price).

Every table lives in the workspace's schema. Who may see which customer is decided
in one place, `selectors.customers_visible_to`; every other row here is reached
through its customer, so it follows the same scope.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tradepost.amounts import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS
from tradepost.collation import NAME_SORT_MAX, name_sort_key
from tradepost.masterdata.models import DEFAULT_CURRENCY, Currency


def _money(verbose_name, **kwargs) -> models.DecimalField:
    return models.DecimalField(
        verbose_name,
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES,
        validators=[MinValueValidator(Decimal("0"))],
        **kwargs,
    )


class Channel(models.TextChoices):
    """How the company reaches the customer (seed S1)."""

    DIRECT = "direct", _("Direct")
    STORE = "store", _("Store")
    DEALER = "dealer", _("Dealer")
    FRANCHISE = "franchise", _("Franchise")
    PROJECT = "project", _("Project")
    RETAIL = "retail", _("Retail")


# Channels whose customers resell: they send dealer reports and get a credit rating.
RESELLER_CHANNELS = (Channel.DEALER, Channel.FRANCHISE)


class Grade(models.TextChoices):
    A = "A", _("A — excellent")
    B = "B", _("B — good")
    C = "C", _("C — fair")
    D = "D", _("D — weak")
    E = "E", _("E — poor")


class CustomerGroup(models.Model):
    """Customers priced alike (e.g. "Tier-1 dealers"); a group can have price lists."""

    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("customer group")
        verbose_name_plural = _("customer groups")
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(Lower("name"), name="customergroup_unique_name")]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    """A free label on customers ("VIP", "华东重点"); names are unique ignoring case."""

    name = models.CharField(_("name"), max_length=50)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(Lower("name"), name="tag_unique_name")]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    """A company (or person) the workspace sells to.

    `owner` is the responsible salesperson; `portal_user` the dealer's own sign-in for
    the dealer portal. `credit_grade` repeats the grade of the latest `CreditRating`
    (kept by `services.credit_rating_create`) so lists can show and filter it.
    """

    code = models.CharField(
        _("code"), max_length=32, help_text=_("Your reference for the customer; unique.")
    )
    name = models.CharField(_("name"), max_length=200)
    # The name's pinyin sort key (`tradepost.collation`), kept by `save()`: lists order
    # by it, so Chinese names read in pinyin order.
    name_sort = models.CharField(
        max_length=NAME_SORT_MAX, db_collation="C", editable=False, default=""
    )
    channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, default=Channel.DIRECT
    )
    group = models.ForeignKey(
        CustomerGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("customer group"),
    )
    branch = models.ForeignKey(
        "masterdata.Branch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("branch"),
    )
    region = models.ForeignKey(
        "masterdata.SalesRegion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("sales region"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_customers",
        verbose_name=_("salesperson"),
    )
    portal_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="portal_customers",
        verbose_name=_("portal sign-in"),
        help_text=_("The dealer's own user, who sees this customer in the dealer portal."),
    )
    referred_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("referred by"),
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="customers", verbose_name=_("tags"))
    tax_id = models.CharField(_("tax id"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    website = models.URLField(_("website"), blank=True)
    address = models.TextField(_("address"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=DEFAULT_CURRENCY
    )
    credit_limit = _money(_("credit limit"), default=Decimal("0.00"))
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment terms (days)"),
        default=30,
        validators=[MaxValueValidator(365)],
        help_text=_("Days after the invoice date the payment is due."),
    )
    credit_grade = models.CharField(
        _("credit grade"), max_length=1, choices=Grade.choices, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name_sort", "pk"]
        permissions = [
            ("change_credit_terms", _("Can change credit limits and payment terms")),
        ]
        constraints = [
            models.UniqueConstraint(Lower("code"), name="customer_unique_code"),
            models.CheckConstraint(
                condition=models.Q(credit_limit__gte=0), name="customer_credit_limit_not_negative"
            ),
            models.CheckConstraint(
                condition=~models.Q(referred_by=models.F("pk")), name="customer_not_self_referred"
            ),
        ]
        indexes = [
            models.Index(Lower("name"), name="customer_name_lower"),
            # The lists' default order (API and page, by the name's pinyin key then id):
            # a page of a big list reads its rows off this index instead of sorting.
            models.Index(fields=["name_sort", "id"], name="customer_name_sort_id"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_sort = name_sort_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_sort"}
        super().save(*args, **kwargs)

    @property
    def is_reseller(self) -> bool:
        return self.channel in RESELLER_CHANNELS


class Contact(models.Model):
    """A person at a customer. At most one primary contact per customer; `code` is the
    contact's key in import files (like a customer's code)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("customer")
    )
    code = models.CharField(
        _("code"),
        max_length=32,
        help_text=_("Unique; imports match contacts by it. Made from the id when left empty."),
    )
    name = models.CharField(_("name"), max_length=120)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    mobile = models.CharField(_("mobile"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    wechat = models.CharField(_("WeChat"), max_length=64, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    # The customer's id on its primary contact, NULL on the others: unique, checked at
    # commit, so a change of primary contact may pass through two primaries inside one
    # transaction (an import that adds the new one before it demotes the old one).
    primary_for = models.GeneratedField(
        expression=models.Case(
            models.When(is_primary=True, then=models.F("customer")), default=None
        ),
        output_field=models.BigIntegerField(null=True),
        db_persist=True,
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "name", "pk"]
        constraints = [
            models.UniqueConstraint(Lower("code"), name="contact_unique_code"),
            models.UniqueConstraint(
                fields=["primary_for"],
                name="contact_one_primary_per_customer",
                deferrable=models.Deferrable.DEFERRED,
            ),
        ]
        # The API list's order (by name then id), read off the index.
        indexes = [models.Index(fields=["name", "id"], name="contact_name_id")]

    def __str__(self) -> str:
        return self.name


class CreditRating(models.Model):
    """One assessment of a customer on the five factors of seed S7 (1–5 each).

    Rows are only added: the history shows how the grade moved. `weights` keeps the
    weights used, so an old rating still reads right after they change; `score`
    (0–100) and `grade` are computed by `credit.credit_score`.
    """

    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="credit_ratings",
        verbose_name=_("customer"),
    )
    reputation = models.PositiveSmallIntegerField(_("reputation"))
    solvency = models.PositiveSmallIntegerField(_("solvency"))
    financial_backing = models.PositiveSmallIntegerField(_("financial backing"))
    loyalty = models.PositiveSmallIntegerField(_("loyalty"))
    personal_quality = models.PositiveSmallIntegerField(_("personal quality"))
    weights = models.JSONField(_("weights"), default=dict)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices)
    comment = models.TextField(_("comment"), blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rated by"),
    )
    rated_by_label = models.CharField(_("rated by"), max_length=254, blank=True)
    rated_at = models.DateTimeField(_("rated"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("credit rating")
        verbose_name_plural = _("credit ratings")
        ordering = ["-rated_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(**{f"{factor}__gte": 1, f"{factor}__lte": 5}),
                name=f"creditrating_{factor}_1_to_5",
            )
            for factor in (
                "reputation",
                "solvency",
                "financial_backing",
                "loyalty",
                "personal_quality",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.grade}"


class Activity(models.Model):
    """A call, visit, e-mail or task with a customer, owned by a salesperson."""

    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        VISIT = "visit", _("Visit")
        EMAIL = "email", _("E-mail")
        TASK = "task", _("Task")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="activities", verbose_name=_("customer")
    )
    contact = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("contact"),
    )
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.CALL)
    subject = models.CharField(_("subject"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customer_activities",
        verbose_name=_("owner"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["done_at", "due_at", "-pk"]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_overdue(self) -> bool:
        return self.done_at is None and self.due_at is not None and self.due_at < timezone.now()


class Ticket(models.Model):
    """A customer-service case: an inquiry or a complaint, with an SLA due time set from
    its type and priority (`services.TICKET_SLA_HOURS`)."""

    class Kind(models.TextChoices):
        INQUIRY = "inquiry", _("Inquiry")
        COMPLAINT = "complaint", _("Complaint")

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        URGENT = "urgent", _("Urgent")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="tickets", verbose_name=_("customer")
    )
    contact = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("contact"),
    )
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.INQUIRY)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
    )
    sla_due_at = models.DateTimeField(_("SLA due"), db_index=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def is_overdue(self) -> bool:
        return self.status in self.OPEN_STATUSES and self.sla_due_at < timezone.now()


class DealerReport(models.Model):
    """What a dealer tells the company (seed S7): an end customer it sells to, or
    competitor intelligence (who, which product, at what price)."""

    class Kind(models.TextChoices):
        END_CUSTOMER = "end_customer", _("End customer")
        COMPETITOR = "competitor", _("Competitor intelligence")

    dealer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="dealer_reports",
        verbose_name=_("dealer"),
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    details = models.TextField(_("details"), blank=True)
    end_customer_name = models.CharField(_("end customer"), max_length=200, blank=True)
    end_customer_contact = models.CharField(_("end customer contact"), max_length=200, blank=True)
    competitor_name = models.CharField(_("competitor"), max_length=200, blank=True)
    competitor_product = models.CharField(_("competitor's product"), max_length=200, blank=True)
    competitor_price = _money(_("competitor's price"), null=True, blank=True)
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=DEFAULT_CURRENCY
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reported by"),
    )
    reported_by_label = models.CharField(_("reported by"), max_length=254, blank=True)
    created_at = models.DateTimeField(_("reported"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("dealer report")
        verbose_name_plural = _("dealer reports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.subject


class PriceList(models.Model):
    """Tax-exclusive prices for one customer or one customer group (never both), in one
    currency, valid from `valid_from` to `valid_to` (inclusive; open-ended when empty).

    Lists of the same owner and currency never overlap in time
    (`services.price_list_create` refuses it), so at most one applies on any day.
    """

    name = models.CharField(_("name"), max_length=150)
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="price_lists",
        verbose_name=_("customer"),
    )
    group = models.ForeignKey(
        CustomerGroup,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="price_lists",
        verbose_name=_("customer group"),
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=DEFAULT_CURRENCY
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        ordering = ["-valid_from", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(customer__isnull=False, group__isnull=True)
                    | models.Q(customer__isnull=True, group__isnull=False)
                ),
                name="pricelist_customer_xor_group",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="pricelist_valid_to_after_from",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "currency", "valid_from"], name="pricelist_customer"),
            models.Index(fields=["group", "currency", "valid_from"], name="pricelist_group"),
        ]

    def __str__(self) -> str:
        return self.name

    def is_valid_on(self, day) -> bool:
        return self.valid_from <= day and (self.valid_to is None or self.valid_to >= day)


class PriceListLine(models.Model):
    """The price of one product on one list: tax-exclusive, in the list's currency."""

    price_list = models.ForeignKey(
        PriceList, on_delete=models.CASCADE, related_name="lines", verbose_name=_("price list")
    )
    product = models.ForeignKey(
        "masterdata.Product",
        on_delete=models.PROTECT,
        related_name="price_list_lines",
        verbose_name=_("product"),
    )
    unit_price = _money(_("unit price (tax-exclusive)"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("price list line")
        verbose_name_plural = _("price list lines")
        ordering = ["price_list", "product__sku", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["price_list", "product"], name="pricelistline_one_per_product"
            ),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0), name="pricelistline_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} {self.unit_price}"
