"""Filters of the sales targets: the API's (`TargetFilter`) and the list page's, which
adds the period written as on the page ("2026-12", "2026-Q4", "2026")."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from drf_spectacular.utils import extend_schema_field

from tradepost.plans.models import SalesTarget
from tradepost.plans.periods import PeriodKind, period_parse
from tradepost.workspace.filters import UpdatedSinceFilterSet


class PeriodField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return period_parse(value)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None


@extend_schema_field(
    {"type": "string", "description": "One period: 2026-12 (month), 2026-Q4 or 2026."}
)
class PeriodFilter(django_filters.Filter):
    """`?period=2026-Q4`: the targets of exactly that period."""

    field_class = PeriodField

    def filter(self, qs: QuerySet, value):
        if not value:
            return qs
        kind, start = value
        return qs.filter(period_kind=kind, period_start=start)


class TargetFilter(UpdatedSinceFilterSet):
    period_kind = django_filters.ChoiceFilter(
        choices=PeriodKind.choices,
        label=pgettext_lazy("target period", "Period kind"),
        empty_label=_("Any period"),
    )
    period_start = django_filters.DateFilter(label="The first day of the period.")
    dimension = django_filters.ChoiceFilter(
        choices=SalesTarget.Dimension.choices,
        label=_("Target for"),
        empty_label=_("Any kind of target"),
    )
    period = PeriodFilter(
        label=pgettext_lazy("target period", "Period"),
        help_text=_("2026-12, 2026-Q4 or 2026"),
        max_length=10,
    )

    class Meta:
        model = SalesTarget
        fields = ["period_kind", "period_start", "dimension", "period"]


class TargetListFilter(TargetFilter):
    shown = ("period", "period_kind", "dimension")
