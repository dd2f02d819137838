from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = _("Tenants")

    def ready(self) -> None:
        from tenants import verification
        from tradepost import outreach

        # Invitations, API keys and webhooks wait for the owner's e-mail confirmation.
        outreach.register(verification.require_owner_verified)
