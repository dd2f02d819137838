"""Who sees which opportunity: the customer scope (`customers.selectors.scope_q`), as
for every sales document — a salesperson their own customers', a sales manager their
branch's and region's, executives and administrators all."""

from __future__ import annotations

from django.db.models import QuerySet

from tradepost.customers.selectors import scope_q
from tradepost.pipeline.models import Opportunity
from tradepost.principals import Actor


def opportunities_visible_to(actor: Actor) -> QuerySet[Opportunity]:
    return Opportunity.objects.filter(scope_q(actor, "customer__"))
