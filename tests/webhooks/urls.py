"""The workspace's URLs plus the webhooks page, for tests that run before
`platform/tradepost/urls_tenant.py` includes `api.webhooks.urls` (a no-op after)."""

from django.urls import include, path

from tradepost.urls_tenant import urlpatterns as workspace_urlpatterns

urlpatterns = list(workspace_urlpatterns)
if not any(getattr(pattern, "namespace", None) == "webhooks" for pattern in urlpatterns):
    urlpatterns.append(path("settings/webhooks/", include("api.webhooks.urls")))
