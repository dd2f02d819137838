"""The public site: landing page and sign-up form."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tenants.forms import SignupForm
from tenants.models import Tenant
from tenants.provisioning import workspace_url
from tenants.services import SignupError, tenant_signup
from tradepost.workspace.forms import add_service_errors


def welcome_url(result, request: HttpRequest) -> str:
    """The one-time link that signs the new owner in on their workspace's domain."""
    return workspace_url(
        result.tenant,
        reverse("accounts:handoff", args=[result.login_token], urlconf=settings.ROOT_URLCONF),
        request=request,
    )


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = tenant_signup(**form.cleaned_data)
        except SignupError as exc:
            add_service_errors(form, exc)
        else:
            return redirect(welcome_url(result, request))
    status = 400 if request.method == "POST" else 200
    return render(request, "public/signup.html", {"form": form}, status=status)


def find_workspace(request: HttpRequest) -> HttpResponse:
    """From the public site to a workspace's sign-in page, by its address."""
    query = request.GET.get("workspace", "").strip().lower()
    slug = query.split(".", 1)[0].removeprefix("http://").removeprefix("https://")
    tenant = Tenant.objects.filter(slug=slug, kind=Tenant.Kind.ACTIVE).first() if slug else None
    if tenant is not None:
        return redirect(
            workspace_url(
                tenant, reverse("accounts:login", urlconf=settings.ROOT_URLCONF), request=request
            )
        )
    context = {
        "workspace_query": query,
        "find_error": _("No workspace has this address. Check the spelling, or create one."),
    }
    return render(request, "public/index.html", context, status=404 if query else 400)
