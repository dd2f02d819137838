"""Filters of the alert list, for the API and the page: whose (`scope`) and which
state. A value outside the choices is a 400 (API) or a form error (page)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tradepost.alerts import selectors
from tradepost.alerts.models import Alert

SCOPES = [
    (selectors.MINE, _("Mine")),
    (selectors.TEAM, _("My team's")),
    (selectors.ALL, _("All I can see")),
]
STATES = [
    ("unresolved", _("Unresolved")),
    *Alert.State.choices,
]


class AlertStateFilter(django_filters.FilterSet):
    """State and kind: the page's filter (whose alerts are its tabs)."""

    shown = ("state", "kind")
    state = django_filters.ChoiceFilter(
        choices=STATES, method="filter_state", label=_("State"), empty_label=_("Any state")
    )
    kind = django_filters.ChoiceFilter(
        choices=Alert._meta.get_field("kind").choices,
        label=_("Kind"),
        empty_label=_("Any kind"),
    )

    # The page's tab (whose alerts): not drawn, kept through the filter form as a hidden
    # field; the view scopes the rows by it.
    scope = django_filters.CharFilter(method="keep", widget=forms.HiddenInput)

    class Meta:
        model = Alert
        fields = ["state", "kind", "scope"]

    def keep(self, queryset: QuerySet[Alert], name: str, value: str) -> QuerySet[Alert]:
        return queryset

    def filter_state(self, queryset: QuerySet[Alert], name: str, value: str) -> QuerySet[Alert]:
        if value == "unresolved":
            return queryset.exclude(state=Alert.State.RESOLVED)
        return queryset.filter(state=value) if value else queryset


class AlertFilter(AlertStateFilter):
    """The API's: also `scope` (mine, team, all)."""

    scope = django_filters.ChoiceFilter(
        choices=SCOPES,
        method="filter_scope",
        label=_("Whose"),
        empty_label=None,
        null_label=None,
    )

    class Meta(AlertStateFilter.Meta):
        fields = ["scope", "state", "kind"]

    def filter_scope(self, queryset: QuerySet[Alert], name: str, value: str) -> QuerySet[Alert]:
        if not value or value == selectors.ALL:
            return queryset
        user: Any = getattr(self.request, "user", None)
        return queryset.filter(pk__in=selectors.alerts_visible_to(user, scope=value).values("pk"))
