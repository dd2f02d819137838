from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "tradepost.plans"
    label = "plans"
    verbose_name = _("Sales plans")

    def ready(self) -> None:
        # Registers the `sales_targets` resource for import and export (`importing`),
        # and the home page's targets and company-figures panels.
        from tradepost.plans import home_panels, importing  # noqa: F401

        home_panels.register()
