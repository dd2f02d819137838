from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from billing import routing

        # The cached host → workspace answers are forgotten when their rows change.
        routing.connect_signals()
