"""The webhooks page, included by the workspace's URLs at `settings/webhooks/`."""

from django.urls import path

from api.webhooks import web

app_name = "webhooks"

urlpatterns = [
    path("", web.webhook_list, name="list"),
    path("<int:endpoint_id>/ping/", web.webhook_endpoint_ping, name="endpoint_ping"),
    path("<int:endpoint_id>/active/", web.webhook_endpoint_active, name="endpoint_active"),
    path("<int:endpoint_id>/delete/", web.webhook_endpoint_delete, name="endpoint_delete"),
    path(
        "deliveries/<int:delivery_id>/redeliver/",
        web.webhook_delivery_redeliver,
        name="delivery_redeliver",
    ),
]
