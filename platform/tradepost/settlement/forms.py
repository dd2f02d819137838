"""The forms of the finance pages. They check the shape of what is typed; the rules
(how much may be invoiced, allocated, refunded …) are the services'."""

from __future__ import annotations

import calendar
import datetime
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from tradepost.amounts import MONEY, decimal_kwargs
from tradepost.customers.forms import CustomerChoice, NodeChoice
from tradepost.customers.models import Customer, CustomerGroup
from tradepost.customers.selectors import (
    branches_visible_to,
    customer_groups_visible_to,
    customers_visible_to,
    scope_q,
)
from tradepost.masterdata.forms import ProductChoice, TreeChoiceField
from tradepost.masterdata.models import Branch, Currency, Product, ProductCategory
from tradepost.masterdata.selectors import products_visible
from tradepost.pricing.lines import CENT
from tradepost.principals import Actor
from tradepost.sales.models import Order
from tradepost.sales.selectors import orders_visible_to
from tradepost.settlement.expenses import MAX_RECEIPT_BYTES
from tradepost.settlement.journal import MAX_DAYS
from tradepost.settlement.models import (
    REBATE_THRESHOLD_DIGITS,
    REBATE_THRESHOLD_PLACES,
    ExpenseClaim,
    Payment,
    RebateRule,
)
from tradepost.settlement.rebates import MAX_TIERS as REBATE_MAX_TIERS
from tradepost.workspace.forms import MoneyField, PercentField

DATE = forms.DateInput(attrs={"type": "date"})


class NotesForm(forms.Form):
    notes = forms.CharField(
        label=gettext_lazy("Notes on the invoice"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300, required=False)


class CreditNoteForm(forms.Form):
    amount = MoneyField(label=gettext_lazy("Amount incl. tax"), min_value=CENT)
    tax_rate = PercentField(label=gettext_lazy("Tax rate (%)"), initial=Decimal("0"))
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        help_text=gettext_lazy("Printed on the credit note as its line."),
    )
    credited_invoice = forms.TypedChoiceField(
        label=gettext_lazy("Credits invoice"),
        required=False,
        coerce=int,
        empty_value=None,
    )

    def __init__(self, *args, invoices: Iterable = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["credited_invoice"].choices = [  # type: ignore[attr-defined]
            ("", _("None: on account")),
            *(
                (invoice.pk, f"{invoice.number} — {invoice.gross_total:,.2f} {invoice.currency}")
                for invoice in invoices
            ),
        ]


ALLOCATE_CHOICES = [
    ("oldest", gettext_lazy("Oldest invoices first")),
    ("manual", gettext_lazy("By hand: the amounts below")),
    ("none", gettext_lazy("Leave it on account")),
]


class PaymentForm(forms.Form):
    amount = MoneyField(label=gettext_lazy("Amount"), min_value=CENT)
    currency = forms.CharField(label=gettext_lazy("Currency"), max_length=3)
    method = forms.ChoiceField(
        label=gettext_lazy("Method"),
        choices=[c for c in Payment.Method.choices if c[0] != Payment.Method.DEPOSIT],
        initial=Payment.Method.BANK_TRANSFER,
    )
    received_on = forms.DateField(label=gettext_lazy("Date received"), widget=DATE)
    reference = forms.CharField(
        label=gettext_lazy("Reference"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("Bank slip, cheque number …"),
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    allocate = forms.ChoiceField(
        label=gettext_lazy("Allocate"),
        choices=ALLOCATE_CHOICES,
        initial="oldest",
        widget=forms.RadioSelect,
    )

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].strip().upper()


class AllocateForm(forms.Form):
    allocate = forms.ChoiceField(
        label=gettext_lazy("Allocate"),
        choices=ALLOCATE_CHOICES[:2],
        initial="oldest",
        widget=forms.RadioSelect,
    )


def allocation_amounts(
    data: Mapping[str, str], invoice_ids: Iterable[int], *, prefix: str = "alloc"
) -> dict[int, Decimal]:
    """Invoice id → amount from `<prefix>-<id>` fields (empty or 0: left out). A value
    that is not an amount is refused, all such at once."""
    field = forms.DecimalField(**decimal_kwargs(MONEY, {}, bounds={"min_value": 0}))
    amounts: dict[int, Decimal] = {}
    errors = []
    for pk in invoice_ids:
        text = (data.get(f"{prefix}-{pk}") or "").strip().replace(",", "")
        if not text:
            continue
        try:
            value = field.clean(text)
        except ValidationError:
            errors.append(_("“%(value)s” is not an amount.") % {"value": text[:20]})
            continue
        if value:
            amounts[pk] = value
    if errors:
        raise ValidationError({"allocations": errors})
    return amounts


class RefundForm(forms.Form):
    amount = MoneyField(label=gettext_lazy("Amount to refund"), min_value=CENT)
    refunded_on = forms.DateField(label=gettext_lazy("Date paid out"), widget=DATE)
    reference = forms.CharField(label=gettext_lazy("Reference"), max_length=100, required=False)


class AdjustmentForm(forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("Amount"),
        help_text=gettext_lazy(
            "Positive: the customer owes more. Negative: the customer owes less."
        ),
        **decimal_kwargs(MONEY, {}, bounds={}),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)
    entry_date = forms.DateField(label=gettext_lazy("Date"), widget=DATE, required=False)


class StatementForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), widget=DATE)
    end = forms.DateField(label=gettext_lazy("To"), widget=DATE)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise ValidationError(_("The period ends before it starts."))
        if start and end and (end - start).days > 3660:
            raise ValidationError(_("Choose a period of ten years at most."))
        return data


def statement_period(data: Mapping[str, str]) -> tuple[StatementForm, datetime.date, datetime.date]:
    """The period asked for (`?start=&end=`), or the last 90 days when none (or a bad
    one) is given: the form carries the errors."""
    today = timezone.localdate()
    default = {"start": today - datetime.timedelta(days=90), "end": today}
    given = {key: data.get(key, "") for key in ("start", "end") if data.get(key)}
    form = StatementForm(given or {k: v.isoformat() for k, v in default.items()})
    if form.is_valid():
        return form, form.cleaned_data["start"], form.cleaned_data["end"]
    return form, default["start"], default["end"]


class ExchangeRateForm(forms.Form):
    currency = forms.CharField(label=gettext_lazy("Currency"), max_length=3, min_length=3)
    rate = forms.DecimalField(
        label=gettext_lazy("Rate"),
        help_text=gettext_lazy("What one unit is worth in the base currency."),
        max_digits=18,
        decimal_places=8,
        min_value=Decimal("0.00000001"),
    )
    rate_date = forms.DateField(label=gettext_lazy("Date"), widget=DATE)

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].strip().upper()


ACCOUNT_KEYS = ("receivable", "revenue", "tax", "bank", "cash", "adjustment")


class SettlementSettingsForm(forms.Form):
    overdue_block_days = forms.IntegerField(
        label=gettext_lazy("Hold orders when overdue by more than (days)"),
        required=False,
        min_value=0,
        max_value=3650,
        help_text=gettext_lazy(
            "Refuse to confirm orders of a customer with an invoice overdue by more than "
            "this many days. Empty: overdue invoices do not hold orders."
        ),
    )
    reminders_enabled = forms.BooleanField(
        label=gettext_lazy("Send payment reminders"),
        required=False,
        help_text=gettext_lazy(
            "E-mail customers the list of their overdue invoices (not those who opted out)."
        ),
    )
    reminder_every_days = forms.IntegerField(
        label=gettext_lazy("Remind every (days)"), min_value=1, max_value=365, initial=7
    )
    account_receivable = forms.CharField(
        label=gettext_lazy("Receivables account"), max_length=20, initial="1122"
    )
    account_revenue = forms.CharField(
        label=gettext_lazy("Revenue account"), max_length=20, initial="6001"
    )
    account_tax = forms.CharField(
        label=gettext_lazy("Output tax account"), max_length=20, initial="2221"
    )
    account_bank = forms.CharField(
        label=gettext_lazy("Bank account"), max_length=20, initial="1002"
    )
    account_cash = forms.CharField(
        label=gettext_lazy("Cash account"), max_length=20, initial="1001"
    )
    account_adjustment = forms.CharField(
        label=gettext_lazy("Adjustments account"), max_length=20, initial="6711"
    )

    groups = (
        (gettext_lazy("Credit hold"), ("overdue_block_days",)),
        (gettext_lazy("Payment reminders"), ("reminders_enabled", "reminder_every_days")),
        (
            gettext_lazy("Accounting export: accounts"),
            tuple(f"account_{key}" for key in ACCOUNT_KEYS),
        ),
    )

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The fields by group, for the page's fieldsets."""
        return [(str(title), [self[name] for name in names]) for title, names in self.groups]

    def accounts(self) -> dict[str, str]:
        return {key: self.cleaned_data[f"account_{key}"] for key in ACCOUNT_KEYS}


class CreditOverrideForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        help_text=gettext_lazy(
            "Why this order may go over the credit rules (kept in the audit log)."
        ),
    )


# --- Rebates ---------------------------------------------------------------------------
MONTH = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM", "maxlength": 7})
MONTH_TEXT = re.compile(r"(\d{4})-(\d{2})")


class MonthField(forms.Field):
    """A month typed as YYYY-MM (what `<input type="month">` sends), cleaned to its
    first day."""

    widget = MONTH

    def to_python(self, value):
        text = (value or "").strip() if isinstance(value, str) else value
        if not text:
            return None
        if isinstance(text, datetime.date):
            return text.replace(day=1)
        found = MONTH_TEXT.fullmatch(text[:8])
        if found is None or not 1 <= int(found[2]) <= 12 or int(found[1]) < 1900:
            raise ValidationError(_("Enter a month as YYYY-MM, e.g. 2026-11."), code="invalid")
        return datetime.date(int(found[1]), int(found[2]), 1)

    def prepare_value(self, value):
        if isinstance(value, datetime.date):
            return value.strftime("%Y-%m")
        return value


def month_end(first: datetime.date) -> datetime.date:
    """The last day of the month that starts on `first`."""
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


class RebateComputeForm(forms.Form):
    """The month whose rebates to compute: monthly rules for that month, quarterly and
    yearly ones when their period ends with it."""

    period = MonthField(label=gettext_lazy("Month"))

    def period_end(self) -> datetime.date:
        return month_end(self.cleaned_data["period"])


class RebateRuleForm(forms.Form):
    """A rebate rule's fields; its tiers are `RebateTierFormSet`. The choice lists are
    the caller's (customers and groups of their scope, the products they may see), so
    an id posted from outside them is a form error and nothing is written."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    customer = CustomerChoice(
        label=gettext_lazy("Customer"),
        queryset=Customer.objects.none(),
        required=False,
        empty_label=gettext_lazy("— every customer, or the group below —"),
    )
    customer_group = forms.ModelChoiceField(
        label=gettext_lazy("Customer group"),
        queryset=CustomerGroup.objects.none(),
        required=False,
        empty_label=gettext_lazy("— no group —"),
        help_text=gettext_lazy(
            "A customer or a group, not both. Neither: every customer earns on their own purchases."
        ),
    )
    product = ProductChoice(
        label=gettext_lazy("Product"),
        queryset=Product.objects.none(),
        required=False,
        empty_label=gettext_lazy("— every product, or the category below —"),
    )
    category = TreeChoiceField(
        label=gettext_lazy("Product category"),
        queryset=ProductCategory.objects.none(),
        required=False,
        empty_label=gettext_lazy("— no category —"),
        help_text=gettext_lazy("A product or a category (its sub-categories count too)."),
    )
    period = forms.ChoiceField(
        label=gettext_lazy("Rebate period"), choices=RebateRule.Period.choices, initial="month"
    )
    basis = forms.ChoiceField(
        label=gettext_lazy("Tiers are reached by"), choices=RebateRule.Basis.choices
    )
    reward = forms.ChoiceField(
        label=gettext_lazy("Rebate"), choices=RebateRule.Reward.choices, initial="percent"
    )
    valid_from = forms.DateField(label=gettext_lazy("Valid from"), widget=DATE)
    valid_to = forms.DateField(
        label=gettext_lazy("Valid to"),
        widget=DATE,
        required=False,
        help_text=gettext_lazy("Empty: no end."),
    )
    currency = forms.ChoiceField(
        label=gettext_lazy("Currency"),
        choices=[("", gettext_lazy("The customer's, or the base currency")), *Currency.choices],
        required=False,
        help_text=gettext_lazy("Only orders in this currency count."),
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, actor: Actor, rule: RebateRule | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # The rule's own customer stays selectable, so saving it unchanged is never refused.
        in_scope = scope_q(actor)
        if rule is not None and rule.customer_id is not None:
            in_scope |= Q(pk=rule.customer_id)
        customers = Customer.objects.filter(in_scope)
        fields = self.fields
        fields["customer"].queryset = customers.order_by("name", "pk")  # type: ignore[attr-defined]
        fields["customer_group"].queryset = customer_groups_visible_to(actor).order_by(  # type: ignore[attr-defined]
            "name", "pk"
        )
        fields["product"].queryset = products_visible(actor).order_by("sku", "pk")  # type: ignore[attr-defined]
        fields["category"].queryset = (  # type: ignore[attr-defined]
            ProductCategory.objects.order_by("path")
            if actor.has_perm("masterdata.view_productcategory")
            else ProductCategory.objects.none()
        )


class RebateTierForm(forms.Form):
    threshold = forms.DecimalField(
        label=gettext_lazy("From (≥)"),
        required=False,
        min_value=0,
        max_digits=REBATE_THRESHOLD_DIGITS,
        decimal_places=REBATE_THRESHOLD_PLACES,
    )
    rate = forms.DecimalField(
        label=gettext_lazy("Rate"),
        required=False,
        min_value=CENT,
        max_digits=14,
        decimal_places=2,
    )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if (data.get("threshold") is None) != (data.get("rate") is None):
            raise ValidationError(_("Give both a threshold and a rate, or neither."))
        return data


class BaseRebateTierFormSet(forms.BaseFormSet):
    def tiers(self) -> list[dict[str, Decimal]]:
        """The filled rows, in the order typed (the service checks that they rise)."""
        return [
            {"threshold": form.cleaned_data["threshold"], "rate": form.cleaned_data["rate"]}
            for form in self.forms
            if getattr(form, "cleaned_data", None)
            and form.cleaned_data.get("threshold") is not None
        ]


RebateTierFormSet = forms.formset_factory(
    RebateTierForm,
    formset=BaseRebateTierFormSet,
    extra=2,
    max_num=REBATE_MAX_TIERS,
    validate_max=True,
)
# --- Expense claims --------------------------------------------------------------------
# The orders a claim may name: the caller's latest (a phone-sized choice, not every
# order of the workspace), newest first.
CLAIM_ORDER_CHOICES = 100


class OrderChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.number} — {obj.customer.name}"


def claim_orders(actor: Actor, keep: int | None = None):
    """The orders in the actor's scope a claim may name (not cancelled, the latest
    `CLAIM_ORDER_CHOICES`), plus `keep` (the claim's own order, when editing)."""
    latest = (
        orders_visible_to(actor)
        .exclude(status=Order.Status.CANCELLED)
        .order_by("-created_at", "-pk")
        .values("pk")[:CLAIM_ORDER_CHOICES]
    )
    chosen = Q(pk__in=latest)
    if keep is not None:
        chosen |= Q(pk=keep) & Q(pk__in=orders_visible_to(actor).values("pk"))
    return Order.objects.filter(chosen).select_related("customer").order_by("-created_at", "-pk")


class ExpenseClaimForm(forms.Form):
    """A new claim or a change to a draft or rejected one. The customer, order and
    branch offered are the caller's own (their scope); the service checks them again,
    and caps and checks the receipt."""

    description = forms.CharField(label=gettext_lazy("What was it for?"), max_length=300)
    category = forms.ChoiceField(
        label=gettext_lazy("Category"),
        choices=ExpenseClaim.Category.choices,
        initial=ExpenseClaim.Category.OTHER,
    )
    amount = MoneyField(label=gettext_lazy("Amount"), min_value=CENT)
    currency = forms.ChoiceField(label=gettext_lazy("Currency"), choices=Currency.choices)
    incurred_on = forms.DateField(label=gettext_lazy("Date"), widget=DATE)
    customer = CustomerChoice(
        label=gettext_lazy("Customer"),
        required=False,
        queryset=Customer.objects.none(),
        empty_label=gettext_lazy("None"),
    )
    order = OrderChoice(
        label=gettext_lazy("Order"),
        required=False,
        queryset=Order.objects.none(),
        empty_label=gettext_lazy("None"),
        help_text=gettext_lazy("The claim then counts for the order's customer."),
    )
    branch = NodeChoice(
        label=gettext_lazy("Branch"),
        required=False,
        queryset=Branch.objects.none(),
        empty_label=gettext_lazy("None"),
        help_text=gettext_lazy("For an expense of the branch rather than one customer."),
    )
    receipt = forms.FileField(
        label=pgettext_lazy("expense", "Receipt"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "application/pdf,image/*"}),
    )

    def __init__(self, *args, actor: Actor, claim: ExpenseClaim | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # A claim being changed keeps its own customer and branch selectable.
        active = Q(is_active=True)
        if claim is not None and claim.customer_id is not None:
            active |= Q(pk=claim.customer_id)
        customers = customers_visible_to(actor).filter(active)
        branches = branches_visible_to(actor)
        if claim is not None and claim.branch_id is not None:
            branches = Branch.objects.filter(
                Q(pk__in=branches.values("pk")) | Q(pk=claim.branch_id)
            ).order_by("path")
        self.fields["customer"].queryset = customers.order_by("name", "pk")  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["order"].queryset = claim_orders(  # type: ignore[attr-defined]  # a ModelChoiceField
            actor, keep=claim.order_id if claim is not None else None
        )
        self.fields["branch"].queryset = branches  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["receipt"].help_text = _(
            "A PDF or a photo (JPEG, PNG or WebP) of at most %(mb)d MB."
        ) % {"mb": MAX_RECEIPT_BYTES // 2**20}
        if claim is not None:
            self.fields["receipt"].help_text += " " + _("Leave empty to keep the one sent.")


class ReviewForm(forms.Form):
    review_comment = forms.CharField(
        label=gettext_lazy("Comment"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Needed to reject: the claimant reads it."),
    )


class PayForm(forms.Form):
    reference = forms.CharField(
        label=gettext_lazy("Payment reference"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("Bank transfer, cash voucher …"),
    )


# --- Accounting export ---------------------------------------------------------------
JOURNAL_FORMATS = [("csv", "CSV"), ("xlsx", gettext_lazy("Excel"))]


class JournalExportForm(forms.Form):
    start = forms.DateField(label=pgettext_lazy("period", "From"), widget=DATE)
    end = forms.DateField(label=pgettext_lazy("period", "To"), widget=DATE)
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=JOURNAL_FORMATS,
        initial="xlsx",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["end"].help_text = _("At most %(days)d days at a time.") % {"days": MAX_DAYS}


def journal_default_period() -> dict[str, datetime.date]:
    """Last month: what the bookkeeper usually takes."""
    first = timezone.localdate().replace(day=1)
    previous = first - datetime.timedelta(days=1)
    return {"start": previous.replace(day=1), "end": previous}


# --- Collection notes ------------------------------------------------------------------
class CollectionNoteForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("What was said on the call or visit."),
    )
    promised_on = forms.DateField(
        label=gettext_lazy("Promised to pay by"), widget=DATE, required=False
    )
    promised_amount = MoneyField(label=gettext_lazy("Promised amount"), required=False)
