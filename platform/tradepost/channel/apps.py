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

        # The agreement and demand-plan lists keep saved filters.
        from tradepost.channel.filters import AgreementListFilter, DemandPlanListFilter
        from tradepost.workspace.saved_filters import register_list

        register_list(
            "agreements",
            url_name="sales:agreements",
            filterset=AgreementListFilter,
            permission="channel.view_agreement",
        )
        register_list(
            "demand-plans",
            url_name="sales:demand_plans",
            filterset=DemandPlanListFilter,
            permission="channel.view_demandplan",
        )
