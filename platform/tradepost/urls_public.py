"""URLs of the public site (`localhost`): sign-up, its JSON API and the operator console."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from api.signup import SignupAPI
from tenants import views as tenant_views
from tradepost.favicon import favicon

urlpatterns = [
    path("", TemplateView.as_view(template_name="public/index.html"), name="public-home"),
    path("signup/", tenant_views.signup, name="signup"),
    path("find/", tenant_views.find_workspace, name="find-workspace"),
    path("api/v1/signup", SignupAPI.as_view(), name="api-signup"),
    path("admin/", admin.site.urls),
    path("billing/", include("billing.urls_public")),
    path("i18n/", include("django.conf.urls.i18n")),
    # Browsers ask for /favicon.ico whatever the page links: the mark, as SVG.
    path("favicon.ico", favicon),
]

handler404 = "tradepost.error_pages.page_not_found"
handler500 = "tradepost.error_pages.server_error"
