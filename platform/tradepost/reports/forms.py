"""The report's filter as the page and the API read it: `month` (YYYY-MM, default last
month — this month while last month has no figures, as in a new workspace; a month
that has not begun is refused), `location`, `category`, `q` (SKU or
name). One form for both doors, so they refuse the same input with the same words."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tradepost.masterdata.models import Location, ProductCategory
from tradepost.reports import rollup
from tradepost.reports.models import CustomerValueSettings, StockMonthly
from tradepost.reports.selectors import StockMonthlyFilter

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
FIRST_YEAR = 2000
MAX_SEARCH = 100


def default_month() -> datetime.date:
    """Last month, the closed one; this month while last month has no figures."""
    current = rollup.current_month()
    last = rollup.previous_month(current)
    return last if StockMonthly.objects.filter(month=last).exists() else current


def parse_month(text: str) -> datetime.date:
    """`YYYY-MM` as the month's first day; a ValidationError a person can act on."""
    found = MONTH.match(text.strip())
    month_number = int(found.group(2)) if found else 0
    if not found or not 1 <= month_number <= 12:  # noqa: PLR2004 - months of a year
        raise ValidationError(
            _("Enter a month as YYYY-MM, e.g. %(example)s."),
            code="invalid",
            params={"example": f"{default_month():%Y-%m}"},
        )
    month = datetime.date(int(found.group(1)), month_number, 1)
    if month.year < FIRST_YEAR:
        raise ValidationError(_("Choose a month from %(year)s on."), params={"year": FIRST_YEAR})
    if month > rollup.current_month():
        raise ValidationError(_("That month has not begun yet."), code="future")
    return month


class MonthField(forms.CharField):
    widget = forms.TextInput(attrs={"type": "month", "pattern": r"\d{4}-\d{2}"})

    def to_python(self, value):
        text = super().to_python(value)
        return parse_month(text) if text else None

    def prepare_value(self, value):
        return f"{value:%Y-%m}" if isinstance(value, datetime.date) else value


class StockMonthlyForm(forms.Form):
    month = MonthField(label=_("Month"), required=False)
    location = forms.ModelChoiceField(
        label=_("Location"), queryset=Location.objects.order_by("name", "pk"), required=False
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=ProductCategory.objects.order_by("path"), required=False
    )
    q = forms.CharField(label=_("Product"), max_length=MAX_SEARCH, required=False, strip=True)

    def report_filter(self) -> StockMonthlyFilter:
        """The filter of a valid form (call `is_valid()` first)."""
        data = self.cleaned_data
        return StockMonthlyFilter(
            month=data.get("month") or default_month(),
            location_id=data["location"].pk if data.get("location") else None,
            category_id=data["category"].pk if data.get("category") else None,
            search=(data.get("q") or "").replace("\x00", ""),
        )


class CustomerValueSettingsForm(forms.ModelForm):
    """N and k of the customer-value report (administrators)."""

    class Meta:
        model = CustomerValueSettings
        fields = ["top_n", "churn_factor"]
