"""Browser forms shared by the sales pages: document lines (quotes and orders) and the
order header. They parse input; the services decide.

A document's lines are a Django formset of `LineForm`: blank rows are ignored, a row
marked for deletion is dropped, and `LineFormSet.line_items()` gives the services
their parsed lines (`pricing.documents.LineInput`: a Product, Decimals, a text). The page
renders the rows with `sales/_line_rows.html`; `sales/lines.js` adds rows on click
(without JavaScript the formset keeps three empty rows at the end).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tradepost.customers.forms import CustomerChoice, DateInput
from tradepost.customers.selectors import customers_visible_to
from tradepost.masterdata.forms import ProductChoice, active_products
from tradepost.masterdata.models import Currency
from tradepost.masterdata.selectors import locations_active
from tradepost.pricing.documents import LineInput
from tradepost.pricing.lines import decimal_text
from tradepost.principals import Actor
from tradepost.sales import order_terms
from tradepost.sales.models import OrderLine
from tradepost.workspace.forms import MoneyField, PercentField, QuantityField, TypeaheadSelect

EXTRA_LINE_ROWS = 3
MAX_LINE_ROWS = 200


class LineForm(forms.Form):
    product = ProductChoice(
        queryset=active_products(),
        label=_("Product"),
        required=False,
        widget=TypeaheadSelect("product"),
    )
    quantity = QuantityField(label=_("Quantity"), required=False)
    unit_price = MoneyField(
        label=_("Unit price"), required=False, help_text=_("Leave empty for the customer's price.")
    )
    discount_percent = PercentField(label=_("Discount %"), required=False)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if data.get("product") and not data.get("quantity"):
            self.add_error("quantity", _("Enter a quantity."))
        elif data.get("quantity") and not data.get("product"):
            self.add_error("product", _("Select a product."))
        return data

    def is_blank(self) -> bool:
        return not (self.cleaned_data.get("product") or self.cleaned_data.get("quantity"))


class BaseLineFormSet(forms.BaseFormSet):
    def line_items(self) -> list[LineInput]:
        items: list[LineInput] = []
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.is_blank():
                continue
            if self.can_delete and self._should_delete_form(form):  # type: ignore[attr-defined]
                continue
            data = form.cleaned_data
            items.append(
                {
                    "product": data["product"],
                    "quantity": data["quantity"],
                    "unit_price": data.get("unit_price"),
                    "discount_percent": data.get("discount_percent"),
                    "description": data.get("description") or "",
                }
            )
        return items


LineFormSet = forms.formset_factory(
    LineForm,
    formset=BaseLineFormSet,
    extra=EXTRA_LINE_ROWS,
    can_delete=True,
    max_num=MAX_LINE_ROWS,
    validate_max=True,
)


def line_formset(data=None, *, lines=None, prefix: str = "lines") -> BaseLineFormSet:
    """A formset for POSTed `data`, or one showing existing `lines` (QuoteLine or
    OrderLine rows) with a manual price kept only where the line had one."""
    if data is not None:
        return LineFormSet(data, prefix=prefix)  # type: ignore[return-value]
    initial = [
        {
            "product": line.product_id,
            "quantity": decimal_text(line.quantity),
            "unit_price": line.unit_price if line.price_source == "manual" else None,
            "discount_percent": line.discount_percent or None,
            "description": line.description if line.description != line.product.name else "",
        }
        for line in (lines or [])
    ]
    return LineFormSet(initial=initial, prefix=prefix)  # type: ignore[return-value]


class OrderForm(forms.Form):
    """The header of an order; the lines come from a `LineFormSet`."""

    customer = CustomerChoice(
        queryset=None, label=_("Customer"), widget=TypeaheadSelect("customer")
    )
    currency = forms.ChoiceField(
        label=_("Currency"),
        choices=[("", _("The customer's currency")), *Currency.choices],
        required=False,
    )
    requested_delivery_date = forms.DateField(
        label=_("Requested delivery"), required=False, widget=DateInput()
    )
    agreement = forms.ModelChoiceField(  # type: ignore[var-annotated]
        queryset=None,
        label=_("Under agreement"),
        required=False,
        help_text=_("Its prices apply and its quantity caps count this order."),
    )
    warehouse = forms.ModelChoiceField(  # type: ignore[var-annotated]
        queryset=None,
        label=_("Ship from"),
        required=False,
        empty_label=_("The customer's branch default"),
        help_text=_("The warehouse or store that reserves and ships the goods."),
    )
    deposit = MoneyField(label=_("Deposit"), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea({"rows": 3}))

    def __init__(self, *args, actor: Actor, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = locations_active().order_by("name", "pk")  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["customer"].queryset = (  # type: ignore[attr-defined]  # a ModelChoiceField
            customers_visible_to(actor).filter(is_active=True).order_by("name")
        )
        self.fields["agreement"].queryset = order_terms.rules().open_for_orders(actor)  # type: ignore[attr-defined]  # a ModelChoiceField
        if editing or not self.fields["agreement"].queryset.exists():  # type: ignore[attr-defined]
            del self.fields["agreement"]
        if editing:
            # Customer, currency and agreement are fixed once the order exists.
            del self.fields["customer"]
            del self.fields["currency"]


def line_quantities(data: Mapping[str, str], lines: Iterable[OrderLine]) -> dict[int, Decimal]:
    """Line id → quantity from the order page's `line-<id>` fields (empty: zero). A
    value that is not a quantity is refused, naming the line as the page shows it (its
    position and SKU), all such lines at once."""
    field = QuantityField()
    quantities: dict[int, Decimal] = {}
    errors = []
    for line in lines:
        text = data.get(f"line-{line.pk}", "").strip() or "0"
        try:
            quantities[line.pk] = field.clean(text)
        except ValidationError:
            errors.append(
                _("Line %(position)s (%(sku)s): enter a quantity.")
                % {"position": line.position, "sku": line.product.sku}
            )
    if errors:
        raise ValidationError({"lines": errors})
    return quantities


class DocumentEmailForm(forms.Form):
    """E-mailing a quote or an order confirmation: where to, and a few words."""

    to = forms.EmailField(label=_("Send to"), max_length=254)
    message = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=2000,
        widget=forms.Textarea({"rows": 3}),
        help_text=_("Above the document's summary; the PDF is attached."),
    )


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea({"rows": 2})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)
