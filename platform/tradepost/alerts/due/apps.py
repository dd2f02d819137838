from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class AlertsDueConfig(AppConfig):
    name = "tradepost.alerts.due"
    label = "alerts_due"
    verbose_name = _("Alert schedule")

    def ready(self) -> None:
        from tradepost.alerts.due.services import workspace_enrol

        # Wiring, not a rule: the tenant registry must not import the alerts engine, so
        # the engine enrols each workspace that becomes active in its due index.
        post_save.connect(
            workspace_enrol, sender="tenants.Tenant", dispatch_uid="tradepost.alerts.due.enrol"
        )
