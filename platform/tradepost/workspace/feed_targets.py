"""The pages that carry an activity feed, registered by the apps that own them.

The workspace app sits below the domain apps and imports none of them: each app
registers its documents from its AppConfig.ready (customers the customer, sales the
order and the quote, pipeline the opportunity) with the rule for who sees one (its
`*_visible_to` selector and the view permission of its page) and its page's URL.
The feed, the note form and the API resolve a `(type, id)` through this registry, so a
target is only ever reached through its own visibility rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from tradepost.principals import Actor

NOT_FOUND_MESSAGE = "No record with this id."  # the same for missing and out of scope


@dataclass(frozen=True)
class FeedTarget:
    """A kind of record with a feed: `name` is its API type (`customer`), `model` its
    class (notes and audit entries point at it by `model._meta.label_lower`)."""

    name: str
    model: type[Model]
    visible: Callable[[Actor], QuerySet[Any]]
    permission: str
    page_url: Callable[[Model], str]

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    def sees(self, actor: Actor, target_id: Any) -> bool:
        """Whether `actor` may open the record's page (permission and scope)."""
        if actor is None or not getattr(actor, "is_authenticated", False):
            return False
        if not actor.has_perm(self.permission):
            return False
        return bool(self.visible(actor).filter(pk=target_id).exists())


TARGETS: dict[str, FeedTarget] = {}


def register_target(target: FeedTarget) -> None:
    """Add (or replace, by name) a kind of record with a feed."""
    TARGETS[target.name] = target


def target_labelled(label: str) -> FeedTarget | None:
    """The registration of the model labelled `label` (`customers.customer`), if any."""
    return next((target for target in TARGETS.values() if target.label == label), None)


def target_of(record: Model) -> FeedTarget:
    """The registration of `record`'s model (a LookupError for a model without a feed)."""
    target = target_labelled(record._meta.label_lower)
    if target is None:
        raise LookupError(f"{record._meta.label_lower} has no activity feed")
    return target


def target_get(actor: Actor, name: str, target_id: Any) -> tuple[FeedTarget, Model]:
    """The record of type `name` and id `target_id` when `actor` sees it, else Http404:
    the same answer for an unknown type, a missing id and a record out of scope."""
    target = TARGETS.get(str(name))
    try:
        pk = int(target_id)
    except (TypeError, ValueError):
        pk = None
    permitted = (
        target is not None
        and pk is not None
        and getattr(actor, "is_authenticated", False)
        and actor.has_perm(target.permission)
    )
    record = target.visible(actor).filter(pk=pk).first() if permitted and target else None
    if target is None or record is None:
        raise Http404(_(NOT_FOUND_MESSAGE))
    return target, record
