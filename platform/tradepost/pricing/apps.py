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

        _forget_cached_pricing_on_change()


def _forget_cached_pricing_on_change() -> None:
    """The default tax rate and the running promotions are cached
    (`documents.default_tax_rates`, `selectors.running_promotions`): a change of what
    they are read from forgets them."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from tradepost.masterdata.models import ProductCategory, TaxRate
    from tradepost.pricing.documents import default_tax_rates
    from tradepost.pricing.models import Promotion
    from tradepost.pricing.selectors import running_promotions

    for signal in (post_save, post_delete):
        name = "save" if signal is post_save else "delete"
        signal.connect(
            default_tax_rates.invalidate, sender=TaxRate, dispatch_uid=f"tax-rate-{name}"
        )
        signal.connect(
            running_promotions.invalidate, sender=Promotion, dispatch_uid=f"promotions-{name}"
        )
    # A category moved (its path changed) or gone; a new one is in no promotion yet.
    post_save.connect(
        _category_changed, sender=ProductCategory, dispatch_uid="promotions-category-save"
    )
    post_delete.connect(
        running_promotions.invalidate,
        sender=ProductCategory,
        dispatch_uid="promotions-category-delete",
    )
    for field in ("products", "categories", "customer_groups"):
        m2m_changed.connect(
            running_promotions.invalidate,
            sender=getattr(Promotion, field).through,
            dispatch_uid=f"promotions-{field}",
        )


def _category_changed(sender, *, created: bool = False, **_kwargs) -> None:
    from tradepost.pricing.selectors import running_promotions

    if not created:
        running_promotions.invalidate()
