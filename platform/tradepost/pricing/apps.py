from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PricingConfig(AppConfig):
    name = "tradepost.pricing"
    label = "pricing"
    verbose_name = _("Pricing")

    def ready(self) -> None:
        # The customer pages ask customers.prices for a customer's price; the rule is
        # ours (pricing builds on customers, which cannot import it).
        from tradepost.customers.prices import register_resolver
        from tradepost.pricing.resolution import prices_resolve

        register_resolver(prices_resolve)

        # The promotion list keeps saved filters.
        from tradepost.pricing.filters import PromotionListFilter
        from tradepost.workspace.saved_filters import register_list

        register_list(
            "promotions",
            url_name="sales:promotions",
            filterset=PromotionListFilter,
            permission="pricing.view_promotion",
        )
