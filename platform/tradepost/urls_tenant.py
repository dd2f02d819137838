"""URLs of a workspace (`<slug>.localhost`)."""

from django.conf import settings
from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("tradepost.workspace.urls")),
    path("accounts/", include("tradepost.accounts.urls")),
    path("customers/", include("tradepost.customers.urls")),
    path("sales/", include("tradepost.sales.urls")),
    path("api/v1/", include("api.urls")),
    path("settings/", include("api.web_urls")),
    path("settings/webhooks/", include("api.webhooks.urls")),
    path("billing/", include("billing.urls")),
    path("", include("tradepost.masterdata.urls")),
    path("data/", include("tradepost.dataio.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "tradepost.error_pages.page_not_found"
handler500 = "tradepost.error_pages.server_error"
