"""Browser forms of master data. They parse input; the services keep the rules."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from tradepost.masterdata import selectors
from tradepost.masterdata.models import (
    Branch,
    Currency,
    Product,
    ProductCategory,
    SalesRegion,
    TaxRate,
    TreeNode,
)
from tradepost.masterdata.services import DEFAULT_FORMATS
from tradepost.workspace.forms import MoneyField


class ProductChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.sku} — {obj.name}"


def active_products():
    """Products a line may name, with their tax rate (pricing reads it for each line)."""
    return Product.objects.filter(is_active=True).select_related("tax_rate").order_by("sku")


class TreeChoiceField(forms.ModelChoiceField):
    """A tree as an indented list, in tree order."""

    def label_from_instance(self, obj: TreeNode) -> str:
        return f"{'— ' * (obj.depth - 1)}{obj.name}" + (f" ({obj.code})" if obj.code else "")


def tree_choice(model: type[TreeNode], label, **kwargs) -> TreeChoiceField:
    return TreeChoiceField(
        queryset=model.objects.order_by("path"), label=label, required=False, **kwargs
    )


class ProductForm(forms.Form):
    sku = forms.CharField(label=_("SKU"), max_length=64)
    name = forms.CharField(label=_("Name"), max_length=200)
    category = tree_choice(ProductCategory, _("Category"))
    unit = forms.CharField(label=_("Unit"), max_length=20, initial="pcs")
    barcode = forms.CharField(label=_("Barcode"), max_length=64, required=False)
    list_price = MoneyField(label=_("List price"), initial=0)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    tax_rate = forms.ModelChoiceField(
        label=_("Tax rate"), queryset=TaxRate.objects.filter(is_active=True), required=False
    )
    image = forms.ImageField(label=_("Image"), required=False)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    tracks_stock = forms.BooleanField(
        label=_("Track stock"),
        required=False,
        initial=True,
        help_text=Product._meta.get_field("tracks_stock").help_text,
    )
    lot_tracked = forms.BooleanField(
        label=_("Lots and expiry"),
        required=False,
        help_text=Product._meta.get_field("lot_tracked").help_text,
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


def _node_form(model: type[TreeNode], extra: dict | None = None) -> type[forms.Form]:
    fields = {
        "name": forms.CharField(label=_("Name"), max_length=150),
        "code": forms.CharField(label=_("Code"), max_length=40, required=False),
        "parent": tree_choice(model, _("Inside"), empty_label=_("(top level)")),
        **(extra or {}),
        "is_active": forms.BooleanField(label=_("Active"), required=False, initial=True),
    }
    return type(f"{model.__name__}Form", (forms.Form,), fields)


BranchForm = _node_form(
    Branch,
    {
        "address": forms.CharField(label=_("Address"), required=False, widget=forms.Textarea),
        "phone": forms.CharField(label=_("Phone"), max_length=50, required=False),
    },
)
SalesRegionForm = _node_form(SalesRegion)
ProductCategoryForm = _node_form(ProductCategory)


class CompanyProfileForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=200)
    legal_name = forms.CharField(label=_("Registered name"), max_length=200, required=False)
    tax_id = forms.CharField(label=_("Tax id"), max_length=50, required=False)
    address = forms.CharField(label=_("Address"), widget=forms.Textarea, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    base_currency = forms.ChoiceField(label=_("Base currency"), choices=Currency.choices)
    show_currency_symbols = forms.BooleanField(
        label=_("Show currency symbols"),
        required=False,
        help_text=_(
            "Amounts read ¥300,000.00 or $1,200.00 instead of 300,000.00 CNY, on pages and PDFs."
        ),
    )


class BankAccountForm(forms.Form):
    bank_name = forms.CharField(label=_("Bank"), max_length=200)
    account_name = forms.CharField(label=_("Account name"), max_length=200)
    account_number = forms.CharField(label=_("Account number"), max_length=64)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    is_default = forms.BooleanField(label=_("Default account"), required=False)


class TaxRateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    rate = forms.DecimalField(
        label=_("Rate (%)"), max_digits=5, decimal_places=2, min_value=0, max_value=100
    )
    is_default = forms.BooleanField(label=_("Default rate"), required=False)


DOCUMENT_LABELS = {
    "quote": _("Quotes"),
    "order": _("Sales orders"),
    "delivery": _("Delivery notes"),
    "invoice": _("Invoices"),
    "payment": _("Payment receipts"),
    "return": _("Returns"),
    "transfer": _("Stock transfers"),
    "receipt": _("Goods receipts"),
    "stocktake": _("Stocktakes"),
    "stock_adjustment": _("Stock adjustments"),
    "price_adjustment": _("Price adjustments"),
}


class NumberingForm(forms.Form):
    key = forms.ChoiceField(
        label=_("Document"),
        choices=[(key, DOCUMENT_LABELS.get(key, key)) for key in DEFAULT_FORMATS],
    )
    pattern = forms.CharField(
        label=_("Format"),
        max_length=100,
        help_text=_("{year} is the year, {number:05d} the number with five digits."),
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name()


class StaffProfileForm(forms.Form):
    """A person's place in the organisation. The pickers offer what may be chosen for
    this person (`selectors.*_choosable`): active branches and regions, and as manager
    active staff other than the person and those who report to them; each keeps the
    current value on offer."""

    branch = TreeChoiceField(queryset=Branch.objects.none(), label=_("Branch"))
    region = TreeChoiceField(
        queryset=SalesRegion.objects.none(),
        label=_("Sales region"),
        required=False,
        empty_label=_("(none)"),
    )
    manager = PersonChoiceField(
        queryset=get_user_model().objects.none(),
        label=_("Reports to"),
        required=False,
        empty_label=_("(nobody)"),
    )
    title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)

    def __init__(self, *args, person, profile=None, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["branch"].queryset = selectors.branches_choosable(
            keep=profile.branch if profile else None
        )
        fields["region"].queryset = selectors.regions_choosable(
            keep=profile.region if profile else None
        )
        fields["manager"].queryset = selectors.managers_choosable(
            person, keep=profile.manager_id if profile else None
        )
