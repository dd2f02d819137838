"""Routing that loads the workspace's subscription with its tenant, and the gate that
keeps a lapsed workspace read-only.

`TenantWithSubscriptionMiddleware` replaces django-tenants' TenantMainMiddleware: the
same domain lookup, joined with the subscription and its plan, so the gate, the
banner and the API's plan quota cost no query of their own; the answer is cached
(`billing.routing`), so a request usually costs no routing query at all.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django_tenants.middleware.main import TenantMainMiddleware

from billing.access import workspace_access
from billing.routing import tenant_for_host
from tradepost.errors import error_body

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Paths a read-only workspace still accepts writes on: billing itself (to pay), and
# signing in and out, password changes and the language switch.
ALWAYS_OPEN = (
    "/billing/",
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/password/",
    "/i18n/",
)


class TenantWithSubscriptionMiddleware(TenantMainMiddleware):
    def get_tenant(self, domain_model, hostname):
        return tenant_for_host(domain_model, hostname)  # cached: billing.routing


class WorkspaceGateMiddleware:
    """In a read-only workspace, refuse every write (browser and API) with a message
    that says why and where to fix it; reads keep working. Sets
    `request.workspace_access` for the banner (templates/billing/banner.html)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = getattr(request, "tenant", None)
        if getattr(tenant, "kind", None) != "active":
            return self.get_response(request)
        access = workspace_access(tenant)
        request.workspace_access = access  # type: ignore[attr-defined]  # the views read it
        if (
            access.read_only
            and request.method not in SAFE_METHODS
            and not request.path.startswith(ALWAYS_OPEN)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(error_body("workspace_read_only", access.message), status=403)
            return render(request, "billing/read_only.html", {"access": access}, status=403)
        return self.get_response(request)
