"""The forms of the finance pages. They check the shape of what is typed; the rules
(how much may be invoiced, allocated, refunded …) are the services'."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tradepost.amounts import MONEY, decimal_kwargs
from tradepost.pricing.lines import CENT
from tradepost.settlement.models import Payment
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


class CreditOverrideForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        help_text=gettext_lazy(
            "Why this order may go over the credit rules (kept in the audit log)."
        ),
    )
