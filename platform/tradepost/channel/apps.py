from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelConfig(AppConfig):
    name = "tradepost.channel"
    label = "channel"
    verbose_name = _("Dealer channel")

    def ready(self) -> None:
        # Orders placed under an agreement take its prices and respect its caps; sales
        # reaches our rules through sales.order_terms (channel builds on sales, so
        # sales cannot import us).
        from tradepost.channel import agreements, selectors
        from tradepost.sales import order_terms

        order_terms.register(
            order_terms.AgreementRules(
                prices_for_order=agreements.agreement_prices_for_order,
                caps_check=agreements.agreement_caps_check,
                visible_to=selectors.agreements_visible_to,
                open_for_orders=selectors.agreements_open_for_orders,
            )
        )
