"""Saved filters of the list pages: a user names the filter a list shows and gets it
back with one click.

A list page takes part by registering itself (in its app's `AppConfig.ready`):

    saved_filters.register_list(
        "orders", url_name="sales:orders", filterset=OrderListFilter,
        permission="sales.view_order",
    )

and by asking `list_page(..., saved_filters="orders")` for its context; the filter
panel (`includes/filter_form.html`) then shows the user's filters and a "Save filter"
box. A saved query keeps only the names of the list's FilterSet (no page number, no
stray parameters).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

import django_filters
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from tradepost.principals import Actor
from tradepost.workspace.models import SavedFilter

MAX_NAME = 80
MAX_QUERY = 2000


@dataclass(frozen=True)
class SavedList:
    key: str
    url_name: str
    filterset: type[django_filters.FilterSet]
    permission: str

    def url(self, query: str = "") -> str:
        base = reverse(self.url_name)
        return f"{base}?{query}" if query else base


LISTS: dict[str, SavedList] = {}


def register_list(
    key: str, *, url_name: str, filterset: type[django_filters.FilterSet], permission: str
) -> None:
    """Let the list page `url_name` keep saved filters under `key`; whoever may see it
    (`permission`) may save them."""
    LISTS[key] = SavedList(key, url_name, filterset, permission)


def saved_list(key: str) -> SavedList | None:
    return LISTS.get(key)


def normalise_query(saved: SavedList, query: str) -> str:
    """The list's query string without the page number or names its FilterSet lacks."""
    names = saved.filterset.base_filters
    pairs = [
        (key, value)
        for key, value in parse_qsl((query or "").lstrip("?"), keep_blank_values=False)
        if key in names
    ]
    return urlencode(pairs)


def saved_filters_for(user: Actor, key: str) -> list[SavedFilter]:
    if not isinstance(user, get_user_model()):
        return []
    return list(SavedFilter.objects.filter(user_id=user.pk, list=key).order_by("name", "pk"))


@transaction.atomic
def saved_filter_save(*, user: Actor, saved: SavedList, name: str, query: str) -> SavedFilter:
    """Save the list's current filter under `name`, replacing the user's filter of that
    name on that list."""
    if not isinstance(user, get_user_model()):
        raise PermissionDenied(_("Only people can save filters."))
    if not user.has_perm(saved.permission):
        raise PermissionDenied
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": [_("Name the filter.")]})
    if len(name) > MAX_NAME:
        raise ValidationError({"name": [_("Use at most 80 characters.")]})
    query = normalise_query(saved, query)
    if len(query) > MAX_QUERY:
        raise ValidationError({"query": [_("This filter is too long to save.")]})
    existing = (
        SavedFilter.objects.select_for_update()
        .filter(user=user, list=saved.key, name__iexact=name)
        .first()
    )
    if existing is not None:
        existing.name, existing.query = name, query
        existing.save(update_fields=["name", "query", "updated_at"])
        return existing
    return SavedFilter.objects.create(user=user, list=saved.key, name=name, query=query)


@transaction.atomic
def saved_filter_delete(*, user: Actor, saved_filter: SavedFilter) -> None:
    if saved_filter.user_id != getattr(user, "pk", None):
        raise PermissionDenied
    SavedFilter.objects.filter(pk=saved_filter.pk).delete()
