"""The public site (landing page, sign-up form) and, on a workspace's domain, the
owner's e-mail confirmation."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tenants import verification
from tenants.forms import SignupForm
from tenants.models import Tenant
from tenants.services import (
    SignupError,
    SignupRateLimited,
    signup_attempt,
    signup_check,
    tenant_signup,
)
from tradepost.clientip import client_ip
from tradepost.links import workspace_url
from tradepost.workspace.forms import add_service_errors


def welcome_url(result) -> str:
    """The one-time link to the new owner's workspace domain. Opening it shows a
    "Continue" button; only the POST behind that button signs the owner in."""
    return workspace_url(
        result.tenant,
        reverse("accounts:handoff", args=[result.login_token], urlconf=settings.ROOT_URLCONF),
    )


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        try:
            # First, whatever the input: the API counts its attempts the same way.
            signup_attempt(client_ip=client_ip(request))
        except SignupRateLimited as exc:
            form.is_valid()  # bound data stays in the fields
            form.errors.clear()
            form.add_error(None, exc.message)
            response = render(request, "public/signup.html", {"form": form}, status=429)
            response["Retry-After"] = str(exc.retry_after)
            return response
        if form.is_valid():
            try:
                result = tenant_signup(**form.cleaned_data)
            except SignupError as exc:
                add_service_errors(form, exc)
            else:
                return redirect(welcome_url(result))
        else:
            # The form refused a field; the sign-up rules look at the others as well, so
            # every problem shows at once instead of one per attempt.
            raw = {name: str(form.data.get(name, "")) for name in form.fields}
            try:
                signup_check(**raw)
            except SignupError as exc:
                for field, problems in exc.message_dict.items():
                    if field in form.fields and field not in form.errors:
                        form.add_error(field, problems)
    status = 400 if request.method == "POST" else 200
    return render(request, "public/signup.html", {"form": form}, status=status)


def find_workspace(request: HttpRequest) -> HttpResponse:
    """From the public site to a workspace's sign-in page, by its address."""
    query = request.GET.get("workspace", "").strip().lower()
    slug = query.split(".", 1)[0].removeprefix("http://").removeprefix("https://")
    tenant = Tenant.objects.filter(slug=slug, kind=Tenant.Kind.ACTIVE).first() if slug else None
    if tenant is not None:
        return redirect(
            workspace_url(tenant, reverse("accounts:login", urlconf=settings.ROOT_URLCONF))
        )
    context = {
        "workspace_query": query,
        "find_error": _("No workspace has this address. Check the spelling, or create one."),
    }
    return render(request, "public/index.html", context, status=404 if query else 400)


# On a workspace's domain (tenants/workspace_urls.py): the owner's e-mail confirmation.


@require_GET
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    """The owner's confirmation link (tenants.verification). Signs nobody in."""
    if not verification.owner_email_confirm(tenant=request.tenant, token=token):  # type: ignore[attr-defined]
        return render(request, "accounts/link_invalid.html", status=400)
    return render(request, "tenants/verify_done.html")


@login_required
@permission_required("accounts.invite_user", raise_exception=True)
@require_POST
def verify_email_resend(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    if verification.is_verified(tenant):
        messages.info(request, _("Your e-mail address is already confirmed."))
    else:
        try:
            verification.verification_request_resend(tenant=tenant)
        except verification.VerificationResendLimited:
            messages.error(
                request,
                _("We already sent several e-mails this hour. Please wait before asking again."),
            )
        else:
            messages.success(
                request,
                _("We sent the confirmation link again to %(email)s.")
                % {"email": tenant.owner_email},
            )
    return redirect("workspace:home")
