"""`/api/v1/` on every workspace domain. Modules register their viewsets here."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from api.endpoints.accounts import InvitationViewSet, MeView, UserViewSet
from api.endpoints.audit import AuditEntryViewSet
from api.endpoints.keys import ApiKeyViewSet
from api.webhooks.api import WebhookDeliveryViewSet, WebhookEndpointViewSet
from tradepost.alerts import api as alerts_api
from tradepost.channel import api as channel_api
from tradepost.customers import api as customers_api
from tradepost.inventory import api as inventory_api
from tradepost.masterdata import api as md_api
from tradepost.pipeline import api as pipeline_api
from tradepost.plans import api as plans_api
from tradepost.pricing import api as pricing_api
from tradepost.reports import api as reports_api
from tradepost.sales import api as sales_api
from tradepost.search import api as search_api
from tradepost.settlement import api as settlement_api
from tradepost.workspace import api as workspace_api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("users", UserViewSet, basename="user")
router.register("invitations", InvitationViewSet, basename="invitation")
router.register("api-keys", ApiKeyViewSet, basename="api-key")
router.register("webhook-endpoints", WebhookEndpointViewSet, basename="webhook-endpoint")
router.register("webhook-deliveries", WebhookDeliveryViewSet, basename="webhook-delivery")
router.register("customers", customers_api.CustomerViewSet, basename="customer")
router.register("customer-groups", customers_api.CustomerGroupViewSet, basename="customer-group")
router.register("contacts", customers_api.ContactViewSet, basename="contact")
router.register("price-lists", customers_api.PriceListViewSet, basename="price-list")
router.register("credit-ratings", customers_api.CreditRatingViewSet, basename="credit-rating")
router.register("activities", customers_api.ActivityViewSet, basename="activity")
router.register("tickets", customers_api.TicketViewSet, basename="ticket")
router.register("dealer-reports", customers_api.DealerReportViewSet, basename="dealer-report")
router.register("products", md_api.ProductViewSet, basename="product")
router.register("product-categories", md_api.ProductCategoryViewSet, basename="product-category")
router.register("branches", md_api.BranchViewSet, basename="branch")
router.register("regions", md_api.SalesRegionViewSet, basename="region")
router.register("tax-rates", md_api.TaxRateViewSet, basename="tax-rate")
router.register("staff", md_api.StaffViewSet, basename="staff")
router.register("audit-entries", AuditEntryViewSet, basename="audit-entry")
# The sales menu's modules, each listing its viewsets in ROUTES.
# Inventory: warehouses, suppliers, stock and the stock documents. Settlement: invoices,
# payments, receivables, the ledger, exchange rates and credit overrides. Plans: sales
# targets.
for _area in (
    pipeline_api,
    *sales_api.AREAS,
    pricing_api,
    *channel_api.AREAS,
    *inventory_api.AREAS,
    *settlement_api.AREAS,
    plans_api,
    reports_api,
    alerts_api,
):
    for _prefix, _viewset, _basename in _area.ROUTES:
        router.register(_prefix, _viewset, basename=_basename)

app_name = "api"

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("company/", md_api.CompanyProfileView.as_view(), name="company"),
    path("search/", search_api.SearchView.as_view(), name="search"),
    path("feed/", workspace_api.FeedView.as_view(), name="feed"),
    path("notes/", workspace_api.NoteCreateView.as_view(), name="notes"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file (`?script`), not
    # inline, and our template links its styles: the page passes the CSP unchanged.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
    path("", include(router.urls)),
]
