"""The target forms of the pages. Their pickers offer only what the caller may set
targets for (`selectors.target_scope(actor, writing=True)`); a posted id outside them
is refused by the field, and the service checks the scope again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tradepost.plans.filters import PeriodField
from tradepost.plans.selectors import TargetScope
from tradepost.workspace.forms import MoneyField, QuantityField


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.email


class TargetForm(forms.Form):
    period = PeriodField(
        label=pgettext_lazy("target period", "Period"),
        max_length=10,
        help_text=_("2026-12 for a month, 2026-Q4 for a quarter, 2026 for a year."),
    )
    dimension = forms.ChoiceField(label=_("Target for"))
    branch: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Branch")
    )
    region: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Sales region")
    )
    salesperson = PersonChoiceField(queryset=None, required=False, label=_("Salesperson"))
    category: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Product category")
    )
    amount = MoneyField(label=_("Target amount"), help_text=_("Net of tax, in the base currency."))
    quantity = QuantityField(label=_("Target quantity"), required=False)

    def __init__(self, *args: Any, scope: TargetScope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["dimension"].choices = scope.dimensions()
        fields["branch"].queryset = scope.branches().order_by("path")
        fields["region"].queryset = scope.regions().order_by("path")
        fields["salesperson"].queryset = scope.salespeople()
        fields["category"].queryset = scope.categories().order_by("path")
        for name in ("branch", "region", "salesperson", "category"):
            if not fields[name].queryset.exists():
                del self.fields[name]  # nothing the caller may pick: not drawn

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        kind, start = data["period"]
        dimension = data["dimension"]
        objects = {dimension: data.get(dimension)} if dimension != "company" else {}
        return {
            "period_kind": kind,
            "period_start": start,
            "dimension": dimension,
            "amount": data["amount"],
            "quantity": data.get("quantity"),
            **objects,
        }


class AdjustForm(forms.Form):
    amount = MoneyField(label=_("New target amount"))
    quantity = QuantityField(label=_("New target quantity"), required=False)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Kept in the target's history."),
    )
