from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "tradepost.alerts"
    label = "alerts"
    verbose_name = _("Alerts")

    def ready(self) -> None:
        from tradepost import events
        from tradepost.alerts import checks, home_panels, services

        # Event kinds run in the transaction of the change that fired them.
        events.subscribe(checks.on_event)
        # The home page's panel of the person's open alerts (workspace.dashboard).
        home_panels.register()
        # Every schema migrated (the template, so every new workspace) has the rules.
        post_migrate.connect(
            services.rules_ensure_defaults, dispatch_uid="tradepost.alerts.rules_ensure_defaults"
        )
