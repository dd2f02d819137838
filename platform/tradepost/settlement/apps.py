from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SettlementConfig(AppConfig):
    name = "tradepost.settlement"
    label = "settlement"
    verbose_name = _("Settlement")

    def ready(self) -> None:
        # Confirming an order checks the customer's credit and turns its deposit into a
        # payment on account; returns and price adjustments credit through here.
        from tradepost.sales import settlement
        from tradepost.settlement import panels
        from tradepost.settlement.credit import AccountSettlement

        settlement.register(AccountSettlement())
        # The credit section of the customer 360° page.
        panels.register()
        # The home page's overdue, aging and collections panels.
        from tradepost.settlement import home_panels

        home_panels.register()

        # Registers the `exchange_rates` resource for import and export.
        from tradepost.settlement import importing  # noqa: F401
