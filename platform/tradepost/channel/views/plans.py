"""Dealer pages: monthly demand plans (the list, drawing one up, review, and the
month's plans against orders).

Thin: parse a form, call a service of `channel.plans`, render. Every plan is looked
up through the actor's customer scope, so a dealer user reaches only its own plans,
and an id outside the scope is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from tradepost.channel import plans as plan_services
from tradepost.channel.agreements import quantity_text
from tradepost.channel.filters import DemandPlanListFilter
from tradepost.channel.forms import (
    PlanForm,
    PlanLineFormSet,
    ReviewForm,
    bound_rows,
    messages_by_field,
)
from tradepost.channel.models import DemandPlan
from tradepost.channel.months import month_parse
from tradepost.workspace.forms import service_call
from tradepost.workspace.lists import list_page, query_id
from tradepost.workspace.steps import Step, step_view


# --- Demand plans --------------------------------------------------------------------
@login_required
@permission_required("channel.view_demandplan", raise_exception=True)
def demand_plan_list(request: HttpRequest) -> HttpResponse:
    context = list_page(
        request,
        plan_services.demand_plan_list(request.user),
        DemandPlanListFilter,
        saved_filters="demand-plans",
    )
    context |= {
        "month": context["filters"].form.cleaned_data.get("month"),
        "next_month": plan_services.next_month(),
        "can_add": request.user.has_perm("channel.add_demandplan"),
    }
    return render(request, "channel/plans/plans.html", context)


@login_required
@permission_required("channel.add_demandplan", raise_exception=True)
@require_http_methods(["GET", "POST"])
def demand_plan_create(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    initial: dict[str, Any] = {"month": plan_services.next_month()}
    dealer_id = query_id(request, "dealer")
    if dealer_id is not None:
        initial["dealer"] = dealer_id
    form = PlanForm(data, actor=request.user, initial=initial)
    formset = bound_rows(PlanLineFormSet, data)
    if data is not None and form.is_valid() & formset.is_valid():
        fields = form.cleaned_data
        plan = service_call(
            form,
            lambda: plan_services.demand_plan_save(
                actor=request.user,
                dealer=fields["dealer"],
                month=fields["month"],
                lines=formset.line_items(),
                notes=fields.get("notes", ""),
            ),
            formset=formset,
        ).result
        if plan is not None:
            if plan.created_now:
                messages.success(request, _("Plan saved as a draft. Submit it when it is ready."))
            else:
                messages.success(
                    request,
                    _("This dealer already had a plan for %(month)s: its lines were replaced.")
                    % {"month": f"{plan.month:%Y-%m}"},
                )
            return redirect("sales:demand_plan", plan_id=plan.pk)
    dealers_exist = plan_services.dealers_for_plans(request.user).exists()
    context = {"form": form, "formset": formset, "plan": None, "dealers_exist": dealers_exist}
    return render(
        request, "channel/plans/plan_form.html", context, status=400 if data is not None else 200
    )


@login_required
@permission_required("channel.change_demandplan", raise_exception=True)
@require_http_methods(["GET", "POST"])
def demand_plan_edit(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_services.demand_plan_get(request.user, plan_id)
    if not plan_services.LIFECYCLE.allows("edit", request.user, plan):
        messages.error(request, _("Only a draft or a returned plan can be changed."))
        return redirect("sales:demand_plan", plan_id=plan.pk)
    data = request.POST if request.method == "POST" else None
    form = PlanForm(data, actor=request.user, editing=True, initial={"notes": plan.notes})
    initial = [
        {"product": line.product_id, "quantity": quantity_text(line.quantity)}
        for line in plan.lines.all()
    ]
    formset = bound_rows(PlanLineFormSet, data, initial=initial)
    if data is not None and form.is_valid() & formset.is_valid():
        updated = service_call(
            form,
            lambda: plan_services.demand_plan_update(
                actor=request.user,
                plan=plan,
                lines=formset.line_items(),
                notes=form.cleaned_data.get("notes", ""),
            ),
            formset=formset,
        ).result
        if updated is not None:
            messages.success(request, _("Changes saved."))
            return redirect("sales:demand_plan", plan_id=plan.pk)
    context = {"form": form, "formset": formset, "plan": plan, "dealers_exist": True}
    return render(
        request, "channel/plans/plan_form.html", context, status=400 if data is not None else 200
    )


def _plan_context(request: HttpRequest, plan: DemandPlan, **extra) -> dict:
    lines = list(plan.lines.all())
    for line in lines:
        line.quantity_text = quantity_text(line.quantity)  # type: ignore[attr-defined]
    return {
        "plan": plan,
        "lines": lines,
        "can": plan_services.LIFECYCLE.buttons(request.user, plan),
        "review_form": extra.pop("review_form", None) or ReviewForm(),
        **extra,
    }


@login_required
@permission_required("channel.view_demandplan", raise_exception=True)
def demand_plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_services.demand_plan_get(request.user, plan_id)
    return render(request, "channel/plans/plan.html", _plan_context(request, plan))


def _plan_step_failed(
    request: HttpRequest, plan: DemandPlan, step: str, exc: ValidationError
) -> HttpResponse:
    review_form = ReviewForm(request.POST)
    review_form.is_valid()
    errors: list[str] = []
    for field, field_messages in messages_by_field(exc).items():
        if field == "comment":
            review_form.add_error("comment", field_messages)
        else:
            errors.extend(field_messages)
    context = _plan_context(request, plan, step_errors=errors, review_form=review_form)
    return render(request, "channel/plans/plan.html", context, status=400)


demand_plan_step = step_view(
    permission="channel.view_demandplan",
    get=plan_services.demand_plan_get,
    steps={
        "submit": Step(
            lambda request, plan: plan_services.demand_plan_submit(actor=request.user, plan=plan),
            done=gettext_lazy("Plan submitted for review."),
        ),
        "accept": Step(
            lambda request, plan: plan_services.demand_plan_accept(
                actor=request.user, plan=plan, comment=request.POST.get("comment", "")
            ),
            done=gettext_lazy("Plan accepted."),
        ),
        "return": Step(
            lambda request, plan: plan_services.demand_plan_return(
                actor=request.user, plan=plan, comment=request.POST.get("comment", "")
            ),
            done=gettext_lazy("Plan returned to the dealer."),
        ),
    },
    page=lambda plan: reverse("sales:demand_plan", args=[plan.pk]),
    failed=_plan_step_failed,
)


@login_required
@permission_required("channel.view_demandplan", raise_exception=True)
def demand_aggregate(request: HttpRequest) -> HttpResponse:
    """The month's submitted and accepted plans per product beside what was ordered."""
    month_text = request.GET.get("month", "").strip()[:10]
    error = ""
    month = plan_services.next_month()
    if month_text:
        try:
            month = month_parse(month_text)
        except ValidationError as exc:
            error = exc.message_dict["month"][0]
    result = plan_services.demand_aggregate(request.user, month)
    rows = [
        {
            "product": row.product,
            "planned": quantity_text(row.planned),
            "dealers": row.dealers,
            "ordered": quantity_text(row.ordered),
            "difference": quantity_text(row.difference),
            "fulfilment": row.fulfilment,
        }
        for row in result.rows
    ]
    context = {
        "result": result,
        "rows": rows,
        "month": month,
        "error": error,
        "previous": plan_services.month_add(month, -1),
        "following": plan_services.month_add(month, 1),
    }
    return render(request, "channel/plans/aggregate.html", context, status=400 if error else 200)


urlpatterns = [
    path("demand-plans/", demand_plan_list, name="demand_plans"),
    path("demand-plans/new/", demand_plan_create, name="demand_plan_create"),
    path("demand-plans/aggregate/", demand_aggregate, name="demand_aggregate"),
    path("demand-plans/<int:plan_id>/", demand_plan_detail, name="demand_plan"),
    path("demand-plans/<int:plan_id>/edit/", demand_plan_edit, name="demand_plan_edit"),
    path("demand-plans/<int:plan_id>/<slug:step>/", demand_plan_step, name="demand_plan_step"),
]
