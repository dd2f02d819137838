"""Sign-in, invitations, the users page and the audit log of a workspace. Thin: parse, authorise,
call a service, render."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tradepost.accounts import login_limits, selectors, services
from tradepost.accounts.filters import AuditEntryFilter
from tradepost.accounts.forms import InvitationAcceptForm, InvitationForm, LoginForm, RoleForm
from tradepost.accounts.models import Invitation, User
from tradepost.accounts.tasks import invitation_send
from tradepost.audit import selectors as audit_selectors
from tradepost.background import enqueue_on_commit
from tradepost.links import public_origin
from tradepost.workspace.forms import service_call
from tradepost.workspace.lists import list_page

_BACKEND = "django.contrib.auth.backends.ModelBackend"


@require_http_methods(["GET", "POST"])
def handoff(request: HttpRequest, token: str) -> HttpResponse:
    """Land here from sign-up on the public site.

    GET only shows a "Continue to your workspace" button and leaves the link valid
    (mail and chat link scanners open links; a sign-in by GET would also let another
    site sign a visitor into the attacker's workspace). The button POSTs to this same
    host, so the CSRF cookie set by the GET page is the one checked.
    """
    if request.method == "GET":
        if not services.handoff_is_open(token=token):
            return render(request, "accounts/link_invalid.html", status=400)
        response = render(request, "accounts/handoff.html")
        response["Cache-Control"] = "no-store"
        return response
    user = services.handoff_consume(token=token)
    if user is None:
        return render(request, "accounts/link_invalid.html", status=400)
    login(request, user, backend=_BACKEND)
    return redirect("workspace:home")


class LoginView(auth_views.LoginView):
    """Sign-in, refused for a while to an address with too many failures (any username)."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        wait = login_limits.address_locked(request)
        if wait is not None:
            response = render(
                request, "accounts/locked_out.html", {"address_locked": True}, status=429
            )
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)


class PasswordResetView(auth_views.PasswordResetView):
    """The reset link points at the workspace's configured address (PUBLIC_URL's scheme
    and port), never at the Host header or port of the request that asked for it."""

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        origin = urlsplit(public_origin(self.request.tenant.slug))
        form.save(
            domain_override=origin.netloc,
            use_https=origin.scheme == "https",
            token_generator=self.token_generator,
            from_email=self.from_email,
            email_template_name=self.email_template_name,
            subject_template_name=self.subject_template_name,
            request=self.request,
            html_email_template_name=self.html_email_template_name,
            extra_email_context=self.extra_email_context,
        )
        return HttpResponseRedirect(self.get_success_url())


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_find_open(token)
    if invitation is None:
        return render(request, "accounts/link_invalid.html", status=400)
    form = InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = service_call(
            form, lambda: services.invitation_accept(token=token, **form.cleaned_data)
        )
        if done:
            user = done.result
            login(request, user, backend=_BACKEND)
            messages.success(request, _("Welcome! Your account is ready."))
            return redirect("workspace:home")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "accounts/invitation_accept.html",
        {"form": form, "invitation": invitation},
        status=status,
    )


@login_required
@permission_required("accounts.view_user", raise_exception=True)
@require_http_methods(["GET", "POST"])
def user_list(request: HttpRequest) -> HttpResponse:
    can_invite = request.user.has_perm("accounts.invite_user")
    form = InvitationForm(request.POST or None)
    if request.method == "POST":
        if not can_invite:
            return render(request, "403.html", status=403)
        if form.is_valid():
            done = service_call(
                form, lambda: services.invitation_create(actor=request.user, **form.cleaned_data)
            )
            if done:
                messages.success(request, _("Invitation sent to %(email)s.") % form.cleaned_data)
                return redirect("accounts:users")
    page = selectors.user_page(request.GET.get("page"))
    context = {
        "page": page,
        "invitations": selectors.open_invitations() if can_invite else [],
        "form": form,
        "can_invite": can_invite,
        "role_form": RoleForm(),
    }
    return render(request, "accounts/users.html", context, status=400 if form.errors else 200)


@login_required
@permission_required("accounts.invite_user", raise_exception=True)
@require_POST
def user_role(request: HttpRequest, user_id: int) -> HttpResponse:
    user = get_object_or_404(User, pk=user_id)
    form = RoleForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Choose one of the listed roles."))
        services.user_set_role(actor=request.user, user=user, role=form.cleaned_data["role"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Role of %(user)s changed.") % {"user": user})
    return redirect("accounts:users")


@login_required
@permission_required("accounts.invite_user", raise_exception=True)
@require_POST
def user_active(request: HttpRequest, user_id: int) -> HttpResponse:
    user = get_object_or_404(User, pk=user_id)
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(actor=request.user, user=user, active=active)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("accounts:users")


@login_required
@permission_required("accounts.invite_user", raise_exception=True)
@require_POST
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=invitation_id)
    services.invitation_revoke(actor=request.user, invitation=invitation)
    messages.success(request, _("Invitation to %(email)s withdrawn.") % {"email": invitation.email})
    return redirect("accounts:users")


@login_required
@permission_required("accounts.invite_user", raise_exception=True)
@require_POST
def invitation_resend(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=invitation_id)
    if invitation.is_open:
        enqueue_on_commit(invitation_send, invitation.pk, resend=True)
        messages.success(
            request, _("Invitation sent again to %(email)s.") % {"email": invitation.email}
        )
    return redirect("accounts:users")


AUDIT_ENTRIES_PER_PAGE = 50


@login_required
@permission_required("audit.view_auditentry", raise_exception=True)
def audit_log(request: HttpRequest) -> HttpResponse:
    """Who did what, when, to which object: administrators and executives."""
    context = list_page(
        request,
        audit_selectors.audit_entries(request.user),
        AuditEntryFilter,
        per_page=AUDIT_ENTRIES_PER_PAGE,
    )
    return render(request, "accounts/audit_log.html", context)
