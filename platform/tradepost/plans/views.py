"""The plans pages, mounted at `/plans/` under the namespace `plans`: the targets with
their completion, one target with its adjustment history, and the forms to set and
adjust targets. Rules live in `services` and `selectors`; these parse, authorise the
page and render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tradepost.plans import selectors, services
from tradepost.plans.filters import TargetListFilter
from tradepost.plans.forms import AdjustForm, TargetForm
from tradepost.workspace.forms import service_call
from tradepost.workspace.lists import list_page

ROWS_PER_PAGE = 25


@login_required
@permission_required("plans.view_salestarget", raise_exception=True)
def targets(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = list_page(
        request,
        selectors.targets_visible_to(request.user),
        TargetListFilter,
        per_page=ROWS_PER_PAGE,
    )
    rows = list(context["page"].object_list)
    figures = selectors.completion(rows, today=timezone.localdate())
    context["rows"] = [(target, figures[target.pk]) for target in rows]
    context["can_add"] = request.user.has_perm("plans.add_salestarget")
    return render(request, "plans/targets.html", context)


@login_required
@permission_required("plans.view_salestarget", raise_exception=True)
def target_detail(request: HttpRequest, target_id: int) -> HttpResponse:
    target = selectors.target_get(request.user, target_id)
    return _detail(
        request, target, AdjustForm(initial={"amount": target.amount, "quantity": target.quantity})
    )


def _detail(request: HttpRequest, target: Any, form: AdjustForm, status: int = 200) -> HttpResponse:
    figures = selectors.completion([target], today=timezone.localdate())[target.pk]
    context = {
        "target": target,
        "figures": figures,
        "adjustments": selectors.adjustments_of(target),
        "form": form,
        "can_adjust": selectors.target_may_change(request.user, target),
        "can_remove": request.user.has_perm("plans.delete_salestarget")
        and selectors.target_may_change(request.user, target),
    }
    return render(request, "plans/target.html", context, status=status)


@login_required
@permission_required("plans.add_salestarget", raise_exception=True)
@require_http_methods(["GET", "POST"])
def target_create(request: HttpRequest) -> HttpResponse:
    scope = selectors.target_scope(request.user, writing=True)
    form = TargetForm(request.POST if request.method == "POST" else None, scope=scope)
    if request.method == "POST" and form.is_valid():
        done = service_call(
            form,
            lambda: services.target_create(actor=request.user, **form.service_arguments()),
        )
        if done:
            messages.success(request, _("Target set."))
            return redirect("plans:target", target_id=done.result.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "plans/target_form.html", {"form": form}, status=status)


@login_required
@permission_required("plans.change_salestarget", raise_exception=True)
@require_POST
def target_adjust(request: HttpRequest, target_id: int) -> HttpResponse:
    target = selectors.target_get(request.user, target_id)
    if not selectors.target_may_change(request.user, target):
        return HttpResponse(status=403)
    form = AdjustForm(request.POST)
    if form.is_valid():
        fields = form.cleaned_data
        done = service_call(
            form,
            lambda: services.target_adjust(
                actor=request.user,
                target=target,
                amount=fields["amount"],
                quantity=fields.get("quantity"),
                reason=fields["reason"],
            ),
        )
        if done:
            messages.success(request, _("Target adjusted."))
            return redirect("plans:target", target_id=target.pk)
    return _detail(request, target, form, status=400)


@login_required
@permission_required("plans.delete_salestarget", raise_exception=True)
@require_POST
def target_remove(request: HttpRequest, target_id: int) -> HttpResponse:
    """Remove a target set by mistake (only while it has no adjustment)."""
    target = selectors.target_get(request.user, target_id)
    try:
        services.target_delete(actor=request.user, target=target)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("plans:target", target_id=target.pk)
    messages.success(request, _("Target removed."))
    return redirect("plans:targets")


app_name = "plans"

urlpatterns = [
    path("targets/", targets, name="targets"),
    path("targets/new/", target_create, name="target_create"),
    path("targets/<int:target_id>/", target_detail, name="target"),
    path("targets/<int:target_id>/adjust/", target_adjust, name="target_adjust"),
    path("targets/<int:target_id>/remove/", target_remove, name="target_remove"),
]
