"""Browser forms of the customers pages. They parse input; the services decide."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tradepost.accounts.models import User
from tradepost.customers import selectors
from tradepost.customers.credit import FACTORS
from tradepost.customers.models import (
    RESELLER_CHANNELS,
    Activity,
    Channel,
    Contact,
    Customer,
    CustomerGroup,
    DealerReport,
    Ticket,
)
from tradepost.masterdata.models import Branch, Currency, Product, SalesRegion
from tradepost.principals import Actor
from tradepost.workspace.forms import MoneyField

# Which choices a field of each name offers, built with the caller (the rules are in
# customers/selectors.py, "Choices"). A ModelChoiceField refuses any other id, so an
# out-of-scope value posted by hand is a form error and nothing is written.
SCOPED_CHOICES: dict[str, Callable[..., QuerySet[Any]]] = {
    "owner": selectors.users_visible_to,
    "assignee": selectors.users_visible_to,
    "portal_user": selectors.dealer_users_visible_to,
    "group": selectors.customer_groups_visible_to,
    "tag": selectors.tags_visible_to,
    "branch": selectors.branches_visible_to,
    "region": selectors.regions_visible_to,
    "customer": selectors.customers_visible_to,
    "referred_by": selectors.customers_visible_to,
}
_KEEPS_CURRENT = {"owner", "assignee", "portal_user"}


def scoped_choices(form: forms.Form, actor: Actor, current=None) -> None:
    """Give every choice field of `form` named in SCOPED_CHOICES the caller's choices.
    `current` (the record being edited) keeps its own user selectable, so saving a
    record unchanged is never refused."""
    for name, field in form.fields.items():
        choices = SCOPED_CHOICES.get(name)
        if choices is None or not isinstance(field, forms.ModelChoiceField):
            continue
        if name in _KEEPS_CURRENT:
            field.queryset = choices(actor, keep=getattr(current, f"{name}_id", None))
        elif name == "customer" or name == "referred_by":
            field.queryset = choices(actor).order_by("name_sort", "pk")
        else:
            field.queryset = choices(actor)


class UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name()


class NodeChoice(forms.ModelChoiceField):
    """A branch or region, indented by its depth in the tree."""

    def label_from_instance(self, obj):
        return f"{'— ' * (obj.depth - 1)}{obj.name}"


class CustomerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.code})"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


# --- The list ------------------------------------------------------------------------
# --- A customer ----------------------------------------------------------------------
def split_tags(text: str) -> list[str]:
    """Tag names typed as one text, separated by commas (`,` or the full-width `，`)."""
    return text.replace("，", ",").split(",")


class CustomerBulkForm(forms.Form):
    """What to do with the customers ticked on the list (`ids`, parsed by the view)."""

    action = forms.ChoiceField(
        label=_("With the selected"),
        choices=[
            ("reassign", _("Reassign to…")),
            ("tag", _("Add the tag…")),
            ("archive", _("Deactivate")),
            ("export", _("Export (Excel)")),
        ],
    )
    owner = UserChoice(label=_("Salesperson"), required=False, queryset=User.objects.none())
    tag = forms.CharField(label=_("Tag"), required=False, max_length=50)

    def __init__(self, *args, actor: Actor, **kwargs):
        super().__init__(*args, **kwargs)
        scoped_choices(self, actor)


class CustomerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        required=False,
        help_text=_("Leave empty to number the customer automatically."),
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    group = forms.ModelChoiceField(
        label=_("Customer group"), required=False, queryset=CustomerGroup.objects.none()
    )
    branch = NodeChoice(label=_("Branch"), required=False, queryset=Branch.objects.none())
    region = NodeChoice(
        label=_("Sales region"), required=False, queryset=SalesRegion.objects.none()
    )
    owner = UserChoice(
        label=_("Salesperson"),
        required=False,
        queryset=User.objects.none(),
        help_text=_("Leave empty on a new customer to be its salesperson yourself."),
    )
    portal_user = UserChoice(
        label=_("Portal sign-in"),
        required=False,
        queryset=User.objects.none(),
        help_text=_("For dealers: the user who sees this record in the dealer portal."),
    )
    referred_by = forms.ModelChoiceField(
        label=_("Referred by"), required=False, queryset=Customer.objects.none()
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=1000, help_text=_("Separate tags with commas.")
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    tax_id = forms.CharField(label=_("Tax id"), max_length=50, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    address = forms.CharField(label=_("Address"), required=False, widget=forms.Textarea)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea)
    credit_limit = MoneyField(label=_("Credit limit"), required=False)
    payment_terms_days = forms.IntegerField(
        label=_("Payment terms (days)"), required=False, min_value=0, max_value=365
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, actor: Actor, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        scoped_choices(self, actor, current=customer)
        if customer is not None:
            referred_by = cast(forms.ModelChoiceField, self.fields["referred_by"])
            # scoped_choices has set the queryset.
            referred_by.queryset = referred_by.queryset.exclude(pk=customer.pk)  # type: ignore[union-attr]
        if not actor.has_perm("customers.change_credit_terms"):
            del self.fields["credit_limit"]
            del self.fields["payment_terms_days"]
        if customer is None:
            del self.fields["is_active"]
        else:
            self.fields["code"].required = True
            self.fields["code"].help_text = ""

    def clean_tags(self) -> list[str]:
        """The comma-separated text as names (either comma: `,` or `，`); the service
        trims them and drops the empty and repeated ones."""
        return split_tags(self.cleaned_data["tags"])

    def service_data(self) -> dict:
        """The cleaned data for the service. On a new customer an empty salesperson,
        branch or region means "the defaults" (the actor and their staff profile)."""
        data = dict(self.cleaned_data)
        defaulted: tuple[str, ...] = ("credit_limit", "payment_terms_days")
        if self.customer is None:
            defaulted += ("owner", "branch", "region")
        for name in defaulted:
            if name in data and data[name] is None:
                del data[name]
        return data


class CreditTermsForm(forms.Form):
    credit_limit = MoneyField(label=_("Credit limit"))
    payment_terms_days = forms.IntegerField(
        label=_("Payment terms (days)"), min_value=0, max_value=365
    )


class CreditRatingForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scores = [("", "—")] + [(str(value), str(value)) for value in range(1, 6)]
        fields = {
            name: forms.TypedChoiceField(label=label, choices=scores, coerce=int)
            for name, label in FACTORS.items()
        }
        self.fields = {**fields, **self.fields}


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        required=False,
        help_text=_("Leave empty to number the contact automatically."),
    )
    title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)
    mobile = forms.CharField(label=_("Mobile"), max_length=50, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    wechat = forms.CharField(label=_("WeChat"), max_length=64, required=False)
    is_primary = forms.BooleanField(label=_("Primary contact"), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea)


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=Activity.Kind.choices)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    due_at = forms.DateTimeField(label=_("Due"), required=False, widget=DateTimeInput)
    contact: forms.ModelChoiceField[Contact] = forms.ModelChoiceField(
        label=_("Contact"), required=False, queryset=None
    )
    owner = UserChoice(label=_("Owner"), required=False, queryset=User.objects.none())
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea)

    def __init__(self, *args, actor: Actor, customer, **kwargs):
        super().__init__(*args, **kwargs)
        scoped_choices(self, actor)
        # a ModelChoiceField
        self.fields["contact"].queryset = customer.contacts.order_by("name")  # type: ignore[attr-defined]

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        if data.get("owner") is None:
            data.pop("owner", None)  # the actor, by default
        return data


class TicketForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=Ticket.Kind.choices)
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Ticket.Priority.choices, initial=Ticket.Priority.NORMAL
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)
    contact: forms.ModelChoiceField[Contact] = forms.ModelChoiceField(
        label=_("Contact"), required=False, queryset=None
    )
    assignee = UserChoice(label=_("Assignee"), required=False, queryset=User.objects.none())

    def __init__(self, *args, actor: Actor, customer, **kwargs):
        super().__init__(*args, **kwargs)
        scoped_choices(self, actor)
        # a ModelChoiceField
        self.fields["contact"].queryset = customer.contacts.order_by("name")  # type: ignore[attr-defined]


class TicketUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Ticket.Status.choices)
    priority = forms.ChoiceField(label=_("Priority"), choices=Ticket.Priority.choices)
    assignee = UserChoice(label=_("Assignee"), required=False, queryset=User.objects.none())
    resolution = forms.CharField(label=_("Resolution"), required=False, widget=forms.Textarea)

    def __init__(self, *args, actor: Actor, ticket, **kwargs):
        super().__init__(*args, **kwargs)
        scoped_choices(self, actor, current=ticket)


class DealerReportForm(forms.Form):
    dealer: forms.ModelChoiceField[Customer] = forms.ModelChoiceField(
        label=_("Dealer"), queryset=None
    )
    kind = forms.ChoiceField(label=_("Type"), choices=DealerReport.Kind.choices)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    details = forms.CharField(label=_("Details"), required=False, widget=forms.Textarea)
    end_customer_name = forms.CharField(label=_("End customer"), max_length=200, required=False)
    end_customer_contact = forms.CharField(
        label=_("End customer contact"), max_length=200, required=False
    )
    competitor_name = forms.CharField(label=_("Competitor"), max_length=200, required=False)
    competitor_product = forms.CharField(
        label=_("Competitor's product"), max_length=200, required=False
    )
    competitor_price = MoneyField(label=_("Competitor's price"), required=False)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)

    def __init__(self, *args, actor: Actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dealer"].queryset = (  # type: ignore[attr-defined]  # a ModelChoiceField
            selectors.customers_visible_to(actor)
            .filter(channel__in=RESELLER_CHANNELS)
            .order_by("name")
        )


class PriceListForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    customer: forms.ModelChoiceField[Customer] = forms.ModelChoiceField(
        label=_("Customer"), required=False, queryset=None
    )
    group = forms.ModelChoiceField(
        label=_("Customer group"), required=False, queryset=CustomerGroup.objects.none()
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput)
    valid_to = forms.DateField(
        label=_("Valid to"),
        required=False,
        widget=DateInput,
        help_text=_("Leave empty for no end date."),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea)

    def __init__(self, *args, actor: Actor, **kwargs):
        super().__init__(*args, **kwargs)
        scoped_choices(self, actor)

    def clean(self):
        data = super().clean()
        if bool(data.get("customer")) == bool(data.get("group")):
            raise forms.ValidationError(_("Choose either a customer or a customer group."))
        return data


class PriceListEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput)
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=DateInput)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea)


class _ProductChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.sku} · {obj.name}"


def _products():
    return Product.objects.filter(is_active=True).order_by("sku")


class PriceLineForm(forms.Form):
    product = _ProductChoice(label=_("Product"), queryset=_products())
    unit_price = MoneyField(label=_("Unit price (tax-exclusive)"))


class PriceCheckForm(forms.Form):
    product = _ProductChoice(label=_("Product"), queryset=_products())
    on_date = forms.DateField(label=_("On"), required=False, widget=DateInput)
    currency = forms.ChoiceField(
        label=_("Currency"), required=False, choices=[("", _("Customer's")), *Currency.choices]
    )


class CustomerGroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)


# --- Inline edit on the list -----------------------------------------------------------
class ChannelInlineForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)


class CreditLimitInlineForm(forms.Form):
    credit_limit = MoneyField(label=_("Credit limit"))


# A field the customer list edits in place: its form, and the permission it takes (the
# service checks it again: `customers.services.customer_update`).
INLINE_FIELDS: dict[str, tuple[type[forms.Form], str]] = {
    "channel": (ChannelInlineForm, "customers.change_customer"),
    "credit_limit": (CreditLimitInlineForm, "customers.change_credit_terms"),
}
