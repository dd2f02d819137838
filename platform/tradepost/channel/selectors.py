"""Who sees which agreement, demand plan and dealer stock report: the customer scope of
the customer or dealer it belongs to (`customers.selectors.scope_q`); a dealer sees its
own. Price adjustments concern many dealers at once (see below)."""

from __future__ import annotations

from django.db.models import QuerySet

from tradepost.channel.models import Agreement, DealerStockReport, DemandPlan, PriceAdjustment
from tradepost.customers.selectors import scope_q
from tradepost.principals import Actor


def agreements_visible_to(actor: Actor) -> QuerySet[Agreement]:
    return Agreement.objects.filter(scope_q(actor, "customer__"))


def demand_plans_visible_to(actor: Actor) -> QuerySet[DemandPlan]:
    return DemandPlan.objects.filter(scope_q(actor, "dealer__"))


def stock_reports_visible_to(actor: Actor) -> QuerySet[DealerStockReport]:
    return DealerStockReport.objects.filter(scope_q(actor, "dealer__"))


def price_adjustments_visible_to(actor: Actor) -> QuerySet[PriceAdjustment]:
    """Price adjustments concern many dealers at once: whoever may view them sees all;
    their lines are filtered to the dealers in scope where shown."""
    return PriceAdjustment.objects.all()


def agreements_open_for_orders(actor: Actor) -> QuerySet[Agreement]:
    """The active agreements in the actor's scope, customer joined: what an order may be
    placed under."""
    active = Agreement.objects.filter(status=Agreement.Status.ACTIVE)
    return agreements_visible_to(actor).filter(pk__in=active).select_related("customer")
