from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "api.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        # Domain apps publish through `tradepost.events.emit`, which knows nothing of
        # HTTP; the outbox lives here, so this app installs itself as the writer.
        from api.webhooks.services import webhook_emit
        from tradepost import events

        events.register_writer(webhook_emit)
        _forget_subscribers_on_change()


def _forget_subscribers_on_change() -> None:
    from django.db.models.signals import post_delete, post_save

    from api.webhooks.models import WebhookEndpoint
    from api.webhooks.services import subscribers

    for signal in (post_save, post_delete):
        signal.connect(
            subscribers.invalidate, sender=WebhookEndpoint, dispatch_uid=f"subscribers-{signal}"
        )
