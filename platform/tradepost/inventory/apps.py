from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "tradepost.inventory"
    label = "inventory"
    verbose_name = _("Inventory")

    def ready(self) -> None:
        # Orders reserve, ship, deliver and take returns through the stock ledger.
        from tradepost.inventory import panels
        from tradepost.inventory.fulfilment import StockFulfilment
        from tradepost.sales import fulfilment

        fulfilment.register(StockFulfilment())
        # The customer 360° page shows what is available where the customer is served.
        panels.register()
        # The home page's deliveries-due and low-stock panels.
        from tradepost.inventory import home_panels

        home_panels.register()

        # Registers the `opening_stock` resource for import and export.
        from tradepost.inventory import importing  # noqa: F401
