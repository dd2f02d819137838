"""Browser forms of the channel pages: choosing a dealer, reporting a dealer's stock,
the heads and line tables of demand plans and agreements, and the helpers that put a
service's errors on them."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tradepost.channel import agreements as agreement_services
from tradepost.channel import plans as plan_services
from tradepost.channel.models import Agreement
from tradepost.channel.months import month_parse
from tradepost.customers.forms import CustomerChoice, DateInput
from tradepost.customers.models import RESELLER_CHANNELS, Customer
from tradepost.customers.selectors import customers_visible_to
from tradepost.masterdata.forms import ProductChoice, active_products
from tradepost.masterdata.models import Currency
from tradepost.principals import Actor
from tradepost.workspace.forms import MoneyField, QuantityField

EXTRA_LINE_ROWS = 3
MAX_LINE_ROWS = 200


class DealerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.code})"


def dealers_of(actor: Actor) -> QuerySet[Customer]:
    """Active dealers and franchisees in the actor's scope (a dealer: its own record)."""
    return (
        customers_visible_to(actor)
        .filter(channel__in=RESELLER_CHANNELS, is_active=True)
        .order_by("name", "pk")
    )


class StockReportForm(forms.Form):
    dealer = DealerChoice(queryset=None, label=gettext_lazy("Dealer"))
    product = ProductChoice(queryset=active_products(), label=gettext_lazy("Product"))
    quantity = QuantityField(label=gettext_lazy("Quantity on hand"))
    as_of = forms.DateField(label=gettext_lazy("As of"), widget=DateInput)

    def __init__(self, *args, actor: Actor, **kwargs):
        super().__init__(*args, **kwargs)
        dealers = dealers_of(actor)
        self.fields["dealer"].queryset = dealers  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["as_of"].initial = timezone.localdate()
        only = list(dealers[:2])
        if len(only) == 1:  # a dealer reports for itself: nothing to choose
            self.fields["dealer"].initial = only[0].pk


class MonthInput(forms.TextInput):
    input_type = "month"

    def format_value(self, value):
        if hasattr(value, "strftime"):
            return f"{value:%Y-%m}"
        return super().format_value(value)


class MonthField(forms.CharField):
    """A month as "YYYY-MM" (what `<input type="month">` sends); cleans to its first
    day."""

    widget = MonthInput

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("help_text", gettext_lazy("YYYY-MM, e.g. 2026-12."))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return None
        try:
            return month_parse(value)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["month"]) from None


class PlanForm(forms.Form):
    """The head of a demand plan; its lines come from a `PlanLineFormSet`."""

    dealer = CustomerChoice(queryset=None, label=gettext_lazy("Dealer"))
    month = MonthField(label=gettext_lazy("Month"))
    notes = forms.CharField(
        label=gettext_lazy("Notes"),
        required=False,
        max_length=plan_services.MAX_NOTES,
        widget=forms.Textarea({"rows": 2}),
    )

    def __init__(self, *args, actor: Actor, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            # The dealer and the month are what the plan is; they stay.
            del self.fields["dealer"]
            del self.fields["month"]
            return
        dealers = plan_services.dealers_for_plans(actor)
        self.fields["dealer"].queryset = dealers  # type: ignore[attr-defined]  # a ModelChoiceField
        if not self.is_bound and self.initial.get("dealer") is None:
            only = list(dealers[:2])
            if len(only) == 1:  # a dealer user: its own record
                self.initial["dealer"] = only[0].pk


class LineRowForm(forms.Form):
    """One row of a line table: a blank row is skipped, a half-filled one is an error."""

    def is_blank(self) -> bool:
        return not any(self.cleaned_data.get(name) not in (None, "") for name in self.base_fields)


class PlanLineForm(LineRowForm):
    product = ProductChoice(
        queryset=active_products(), label=gettext_lazy("Product"), required=False
    )
    quantity = QuantityField(label=gettext_lazy("Quantity"), required=False)

    def clean(self):
        data = super().clean()
        if not self.errors:
            if data.get("product") and data.get("quantity") is None:
                self.add_error("quantity", _("Enter a quantity."))
            elif data.get("quantity") is not None and not data.get("product"):
                self.add_error("product", _("Select a product."))
        return data


class AgreementLineForm(LineRowForm):
    product = ProductChoice(
        queryset=active_products(), label=gettext_lazy("Product"), required=False
    )
    unit_price = MoneyField(label=gettext_lazy("Agreed unit price"), required=False)
    max_quantity = QuantityField(
        label=gettext_lazy("Quantity cap"), required=False, help_text=gettext_lazy("Empty: no cap.")
    )

    def clean(self):
        data = super().clean()
        if not self.errors and not self.is_blank():
            if not data.get("product"):
                self.add_error("product", _("Select a product."))
            if data.get("unit_price") is None:
                self.add_error("unit_price", _("Enter the agreed price."))
        return data


class BaseLineRows(forms.BaseFormSet):
    def line_items(self) -> list[dict]:
        """The filled rows not marked for removal, as the services take them."""
        items = []
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.is_blank():
                continue
            if self.can_delete and self._should_delete_form(form):  # type: ignore[attr-defined]
                continue
            items.append(
                {name: form.cleaned_data.get(name) for name in form.base_fields if name != "DELETE"}
            )
        return items


def line_rows_formset(form_class):
    return forms.formset_factory(
        form_class,
        formset=BaseLineRows,
        extra=EXTRA_LINE_ROWS,
        can_delete=True,
        max_num=MAX_LINE_ROWS,
        validate_max=True,
    )


PlanLineFormSet = line_rows_formset(PlanLineForm)
AgreementLineFormSet = line_rows_formset(AgreementLineForm)


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        required=False,
        max_length=plan_services.MAX_NOTES,
        widget=forms.Textarea({"rows": 2}),
    )


class AgreementForm(forms.Form):
    """The head of an agreement. Once it is active only the name, the notes and the
    end date stay (`active=True`)."""

    customer = CustomerChoice(queryset=None, label=gettext_lazy("Customer"))
    name = forms.CharField(label=gettext_lazy("Name"), max_length=agreement_services.MAX_NAME)
    currency = forms.ChoiceField(
        label=gettext_lazy("Currency"),
        choices=[("", gettext_lazy("The customer's currency")), *Currency.choices],
        required=False,
    )
    starts_on = forms.DateField(label=gettext_lazy("Starts on"), widget=DateInput())
    ends_on = forms.DateField(label=gettext_lazy("Ends on"), widget=DateInput())
    notes = forms.CharField(
        label=gettext_lazy("Notes"),
        required=False,
        max_length=agreement_services.MAX_NOTES,
        widget=forms.Textarea({"rows": 3}),
    )

    def __init__(self, *args, actor: Actor, agreement: Agreement | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if agreement is None:
            self.fields["customer"].queryset = (  # type: ignore[attr-defined]  # a ModelChoiceField
                customers_visible_to(actor).filter(is_active=True).order_by("name")
            )
            return
        del self.fields["customer"]  # an agreement stays with its customer
        self.fields["currency"].choices = Currency.choices  # type: ignore[attr-defined]
        if agreement.status != Agreement.Status.DRAFT:
            del self.fields["currency"]
            del self.fields["starts_on"]


def bound_rows(formset_class, data, initial=None):
    return formset_class(data, initial=initial, prefix="lines")


def messages_by_field(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {"__all__": exc.messages}
