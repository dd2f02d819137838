"""URLs of a workspace (`<slug>.localhost`)."""

from django.conf import settings
from django.urls import URLPattern, URLResolver, include, path

from tradepost.channel import urls as channel_urls
from tradepost.favicon import favicon
from tradepost.pipeline import urls as pipeline_urls
from tradepost.pricing import urls as pricing_urls
from tradepost.sales import urls as sales_urls

# The sales menu: the sales, pipeline, pricing and channel apps each bring their pages;
# they share `/sales/` and the URL namespace `sales` (`sales:pipeline`, `sales:orders` …).
SALES_MENU_PAGES = [
    *sales_urls.urlpatterns,
    *pipeline_urls.urlpatterns,
    *pricing_urls.urlpatterns,
    *channel_urls.urlpatterns,
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("tradepost.workspace.urls")),
    path("accounts/verify/", include("tenants.workspace_urls")),
    path("accounts/", include("tradepost.accounts.urls")),
    path("customers/", include("tradepost.customers.urls")),
    path("sales/", include((SALES_MENU_PAGES, "sales"))),
    path("inventory/", include("tradepost.inventory.urls")),
    path("finance/", include("tradepost.settlement.urls")),
    path("plans/", include("tradepost.plans.urls")),
    path("reports/", include("tradepost.reports.urls")),
    path("alerts/", include("tradepost.alerts.urls")),
    path("api/v1/", include("api.urls")),
    path("settings/", include("api.web_urls")),
    path("settings/webhooks/", include("api.webhooks.urls")),
    path("settings/audit/", include("tradepost.accounts.audit_urls")),
    path("billing/", include("billing.urls")),
    path("", include("tradepost.masterdata.urls")),
    path("data/", include("tradepost.dataio.urls")),
    path("search/", include("tradepost.search.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # Browsers ask for /favicon.ico whatever the page links: the mark, as SVG.
    path("favicon.ico", favicon),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "tradepost.error_pages.page_not_found"
handler500 = "tradepost.error_pages.server_error"
