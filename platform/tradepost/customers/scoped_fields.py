"""Serializer fields and filters that take a customer, user, group, branch or region
id only from the caller's scope (the record-ownership selectors of `selectors.py`).

The customers API uses them, and so does every app that builds on customers (sales):
an id outside the caller's choices is answered exactly like an id nobody has, so no
API tells anyone which ids exist beyond their scope.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tradepost.customers import selectors


def visible_customers(request):
    return selectors.customers_visible_to(getattr(request, "user", None))


@extend_schema_field(OpenApiTypes.INT)
class VisibleCustomerField(serializers.PrimaryKeyRelatedField):
    """A customer id, looked up in the caller's scope: others are "does not exist"."""

    def get_queryset(self):
        return visible_customers(self.context.get("request"))


def scoped_filter(choices, **kwargs) -> django_filters.ModelChoiceFilter:
    """A filter by id whose valid ids are `choices(caller)` (a selector of the "Choices"
    of customers/selectors.py). Any other id is the same 400 as an id that does not
    exist, so a filter is no way to learn which ids exist."""
    return django_filters.ModelChoiceFilter(
        queryset=lambda request: choices(getattr(request, "user", None)), **kwargs
    )


_DOES_NOT_EXIST = {
    "user": gettext_lazy('No user you may choose has the id "{pk_value}".'),
    "dealer": gettext_lazy('No dealer user you may choose has the id "{pk_value}".'),
    "group": gettext_lazy('No customer group you may choose has the id "{pk_value}".'),
    "branch": gettext_lazy('No active branch you may choose has the id "{pk_value}".'),
    "region": gettext_lazy('No active sales region you may choose has the id "{pk_value}".'),
}
CHOICES = {
    "user": selectors.users_visible_to,
    "dealer": selectors.dealer_users_visible_to,
    "group": selectors.customer_groups_visible_to,
    "branch": selectors.branches_visible_to,
    "region": selectors.regions_visible_to,
}


@extend_schema_field(OpenApiTypes.INT)
class ScopedChoiceField(serializers.PrimaryKeyRelatedField):
    """A user, dealer user, group, branch or region id (`kind`) among the caller's
    choices — the ones the pages offer. Any other id gets the same error as an id that
    does not exist. On an update the record's current value stays accepted (the view
    puts the record in the context as `current`), so sending it back unchanged works.
    The services check the same rule again (`services.check_choices`)."""

    def __init__(self, kind: str, **kwargs):
        self.kind = kind
        kwargs.setdefault("error_messages", {"does_not_exist": _DOES_NOT_EXIST[kind]})
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        choices = CHOICES[self.kind](getattr(request, "user", None))
        keep = getattr(self.context.get("current"), f"{self.source}_id", None)
        if keep is None:
            return choices
        return choices.model.objects.filter(Q(pk__in=choices.values("pk")) | Q(pk=keep))
