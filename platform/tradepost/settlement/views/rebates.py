"""Rebate pages (返利, `/finance/rebates/`): the rebates of the customers in scope
(filters: status, period, rule, customer; a totals row per currency) with "Compute
last month" and a month picker to compute another period, a rebate's page explaining
it line by line (the order lines counted and the tier arithmetic) with its review
buttons and, once posted, its credit note; the rules (who, on what, per which
period, by what, the tiers) and their form with the tiers as rows.

Thin: the rules, the computation and the review are `settlement.rebates`'; a rebate
is looked up in the actor's customer scope, so an id outside it is a 404 like a
missing one.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from tradepost.audit.selectors import audit_history
from tradepost.principals import Actor
from tradepost.settlement import forms, rebates
from tradepost.settlement.filters import RebateListFilter, RebateRuleListFilter
from tradepost.settlement.models import Rebate, RebateRule
from tradepost.settlement.views.common import post_or_back
from tradepost.workspace.forms import service_call
from tradepost.workspace.lists import list_page
from tradepost.workspace.steps import Step, step_view

ROWS_PER_PAGE = 50
NUMBER = re.compile(r"\d+(?:\.\d+)?")


def rebate_get(actor: Actor, rebate_id: int) -> Rebate:
    """The rebate, if its customer is in the actor's scope; otherwise 404."""
    return get_object_or_404(rebates.rebate_detail(actor), pk=rebate_id)


def rule_get(rule_id: int) -> RebateRule:
    return get_object_or_404(rebates.rebate_rules(), pk=rule_id)


def exact(text: Any) -> str:
    """An exact figure of the explanation (text) with the locale's separators and every
    digit it has."""
    try:
        return number_format(Decimal(str(text)), force_grouping=True)
    except (InvalidOperation, ValueError):
        return str(text)


def arithmetic_text(text: str) -> str:
    """The explanation's tier arithmetic ("1393 × 2 % = 27.86 → 27.86") with each
    figure written with the locale's separators."""
    return NUMBER.sub(lambda found: exact(found.group()), text)


# --- Rebates ---------------------------------------------------------------------------
def _totals(rows: QuerySet[Rebate]) -> list[dict[str, Any]]:
    """Count and sum of the filtered rebates (every page), per currency."""
    sums = (
        rows.order_by()
        .values("currency")
        .annotate(amount=Sum("amount"), count=Count("pk"))
        .order_by("currency")
    )
    return [dict(row) for row in sums]


def _last_month() -> str:
    return rebates.last_period_end(timezone.localdate()).strftime("%Y-%m")


def _list_page(
    request: HttpRequest, compute_form: forms.RebateComputeForm | None = None, status: int = 200
) -> HttpResponse:
    rows = rebates.rebate_list(request.user).defer("explanation")
    context = list_page(request, rows, RebateListFilter, per_page=ROWS_PER_PAGE)
    page = context["page"]
    for rebate in page:
        rebate.period_label = rebates.period_label(rebate.rule.period, rebate.period_start)
    context.update(
        totals=_totals(page.paginator.object_list) if page.paginator.count else [],
        compute_form=compute_form or forms.RebateComputeForm(initial={"period": _last_month()}),
        last_month=_last_month(),
    )
    return render(request, "settlement/rebates/list.html", context, status=status)


@login_required
@permission_required("settlement.view_rebate", raise_exception=True)
def rebate_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


@login_required
@permission_required("settlement.add_rebate", raise_exception=True)
@post_or_back(lambda: reverse("settlement:rebates"))
def rebate_compute(request: HttpRequest) -> HttpResponse:
    """Compute every active rule's rebates for the month posted (quarterly and yearly
    rules when their period ends with it); safe to run again."""
    form = forms.RebateComputeForm(request.POST)
    if form.is_valid():
        period_end = form.period_end()
        done = service_call(
            form,
            lambda: rebates.rebates_compute(actor=request.user, period_end=period_end),
        )
        if done:
            result: rebates.ComputeResult = done.result
            messages.success(
                request,
                _(
                    "Rebates computed up to %(end)s: %(created)d new, %(updated)d updated, "
                    "%(unchanged)d unchanged, %(withdrawn)d withdrawn, %(reviewed)d already "
                    "reviewed and left as they are."
                )
                % {
                    "end": period_end.isoformat(),
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                    "withdrawn": result.withdrawn,
                    "reviewed": result.reviewed,
                },
            )
            return redirect(
                reverse("settlement:rebates") + f"?period={period_end.strftime('%Y-%m')}"
            )
    return _list_page(request, compute_form=form, status=400)


def _detail_context(request: HttpRequest, rebate: Rebate, **extra: Any) -> dict[str, Any]:
    explained = rebate.explanation or {}
    lines = [dict(line) for line in explained.get("lines", [])]
    orders = rebates.counted_order_ids(request.user, lines)
    for line in lines:
        line["order_id"] = orders.get(str(line.get("order", "")))
        line["returned_any"] = line.get("returned") not in (None, "0")
        line["counted_net_exact"] = exact(line.get("counted_net_amount", ""))
    tier = explained.get("tier") or {}
    tiers = [{**row, "reached": row == tier} for row in explained.get("tiers", [])]
    return {
        "rebate": rebate,
        "rule": rebate.rule,
        "period_label": rebates.period_label(rebate.rule.period, rebate.period_start),
        "explained": explained,
        "lines": lines,
        "tiers": tiers,
        "arithmetic": arithmetic_text(explained.get("arithmetic", "")),
        "total_quantity": exact(explained.get("total_quantity", rebate.quantity)),
        "total_net_amount": exact(explained.get("total_net_amount", rebate.net_amount)),
        "can": rebates.LIFECYCLE.buttons(request.user, rebate),
        "reject_form": extra.pop("reject_form", None) or forms.ReasonForm(),
        "history": audit_history(rebate),
        **extra,
    }


@login_required
@permission_required("settlement.view_rebate", raise_exception=True)
def rebate_detail(request: HttpRequest, rebate_id: int) -> HttpResponse:
    rebate = rebate_get(request.user, rebate_id)
    return render(request, "settlement/rebates/detail.html", _detail_context(request, rebate))


def _step_failed(
    request: HttpRequest, rebate: Rebate, step: str, exc: ValidationError
) -> HttpResponse:
    extra: dict[str, Any] = {"step_errors": exc.messages}
    if step == "reject":
        form = forms.ReasonForm(request.POST)
        form.is_valid()
        extra["reject_form"] = form
    context = _detail_context(request, rebate, **extra)
    return render(request, "settlement/rebates/detail.html", context, status=400)


def _reject(request: HttpRequest, rebate: Rebate) -> Rebate:
    return rebates.rebate_reject(
        actor=request.user, rebate=rebate, reason=request.POST.get("reason", "")[:300]
    )


rebate_step = step_view(
    permission="settlement.view_rebate",
    get=rebate_get,
    steps={
        "approve": Step(
            lambda request, rebate: rebates.rebate_approve(actor=request.user, rebate=rebate),
            done=gettext_lazy("Approved: computing the period again leaves it as it is."),
        ),
        "reject": Step(_reject, done=gettext_lazy("Rejected.")),
        "post": Step(
            lambda request, rebate: rebates.rebate_post(actor=request.user, rebate=rebate),
            done=gettext_lazy(
                "Posted: its credit note is issued to the customer's account and settles "
                "the oldest open invoices."
            ),
        ),
    },
    page=lambda rebate: reverse("settlement:rebate", args=[rebate.pk]),
    failed=_step_failed,
)


# --- Rules -----------------------------------------------------------------------------
@login_required
@permission_required("settlement.view_rebaterule", raise_exception=True)
def rebate_rule_list(request: HttpRequest) -> HttpResponse:
    context = list_page(
        request, rebates.rebate_rules(), RebateRuleListFilter, per_page=ROWS_PER_PAGE
    )
    return render(request, "settlement/rebates/rules.html", context)


def _rule_fields(form: forms.RebateRuleForm, formset: Any) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "name": data["name"],
        "is_active": bool(data.get("is_active")),
        "customer": data.get("customer"),
        "customer_group": data.get("customer_group"),
        "product": data.get("product"),
        "category": data.get("category"),
        "period": data["period"],
        "basis": data["basis"],
        "reward": data["reward"],
        "valid_from": data["valid_from"],
        "valid_to": data.get("valid_to"),
        "currency": data.get("currency") or None,
        "notes": data.get("notes", ""),
        "tiers": cast(forms.BaseRebateTierFormSet, formset).tiers(),
    }


def _rule_form_page(
    request: HttpRequest, form: Any, formset: Any, rule: RebateRule | None, status: int
) -> HttpResponse:
    context = {"form": form, "formset": formset, "rule": rule}
    return render(request, "settlement/rebates/rule_form.html", context, status=status)


@login_required
@permission_required("settlement.add_rebaterule", raise_exception=True)
@require_http_methods(["GET", "POST"])
def rebate_rule_create(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = forms.RebateRuleForm(
        data,
        actor=request.user,
        initial={"valid_from": timezone.localdate().replace(day=1), "is_active": True},
    )
    formset = forms.RebateTierFormSet(data, prefix="tiers")
    if data is not None and form.is_valid() & formset.is_valid():
        done = service_call(
            form,
            lambda: rebates.rebate_rule_create(actor=request.user, **_rule_fields(form, formset)),
            formset=formset,
            formset_errors="tiers",
        )
        if done:
            messages.success(request, _("Rule “%(name)s” saved.") % {"name": done.result.name})
            return redirect("settlement:rebate_rules")
    return _rule_form_page(request, form, formset, None, 400 if data is not None else 200)


@login_required
@permission_required("settlement.change_rebaterule", raise_exception=True)
@require_http_methods(["GET", "POST"])
def rebate_rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = rule_get(rule_id)
    data = request.POST if request.method == "POST" else None
    initial = {name: getattr(rule, name) for name in rebates.RULE_FIELDS}
    form = forms.RebateRuleForm(data, actor=request.user, rule=rule, initial=initial)
    # The rows posted are read as typed, never against the rule's tiers: a row left as
    # it was must count as filled in.
    tiers = [{"threshold": t.threshold, "rate": t.rate} for t in rule.tiers.all()]
    formset = forms.RebateTierFormSet(data, prefix="tiers", initial=None if data else tiers)
    if data is not None and form.is_valid() & formset.is_valid():
        done = service_call(
            form,
            lambda: rebates.rebate_rule_update(
                actor=request.user, rule=rule, **_rule_fields(form, formset)
            ),
            formset=formset,
            formset_errors="tiers",
        )
        if done:
            messages.success(request, _("Changes saved."))
            return redirect("settlement:rebate_rules")
    return _rule_form_page(request, form, formset, rule, 400 if data is not None else 200)


urlpatterns = [
    path("rebates/", rebate_list, name="rebates"),
    path("rebates/compute/", rebate_compute, name="rebates_compute"),
    path("rebates/rules/", rebate_rule_list, name="rebate_rules"),
    path("rebates/rules/new/", rebate_rule_create, name="rebate_rule_create"),
    path("rebates/rules/<int:rule_id>/", rebate_rule_edit, name="rebate_rule_edit"),
    path("rebates/<int:rebate_id>/", rebate_detail, name="rebate"),
    path("rebates/<int:rebate_id>/<slug:step>/", rebate_step, name="rebate_step"),
]
