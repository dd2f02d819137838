"""The plans pages, mounted at `/plans/` under the namespace `plans`: the targets with
their completion, one target with its adjustment history, and the forms to set and
adjust targets. Rules live in `services` and `selectors`; these parse, authorise the
page and render."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tradepost.masterdata.models import ProductCategory
from tradepost.plans import production, selectors, services
from tradepost.plans.filters import TargetListFilter
from tradepost.plans.forms import AdjustForm, TargetForm
from tradepost.workspace.forms import service_call
from tradepost.workspace.lists import list_page, page_of, query_without_page

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
    context["can_see_production"] = production.may_see_plan(request.user)
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


CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_SEARCH = 100


@login_required
@require_http_methods(["GET", "HEAD"])
def production_plan(request: HttpRequest) -> HttpResponse:
    """The production / purchasing plan of a month (default next month); `?format=csv`
    or `xlsx` gives every row of the filter as a file."""
    if not production.may_see_plan(request.user):
        return HttpResponse(status=403)
    errors: list[str] = []
    month_text = request.GET.get("month", "")
    month = production.next_month(timezone.localdate())
    if month_text:
        try:
            month = production.parse_month(month_text)
        except ValidationError as exc:
            errors.extend(exc.messages)
    categories = list(ProductCategory.objects.order_by("path"))
    category_id = None
    category_text = request.GET.get("category", "")
    if category_text:
        if category_text.isascii() and category_text.isdigit() and len(category_text) < 19:
            category_id = int(category_text)
        else:
            errors.append(_("Choose a category from the list."))
    search = request.GET.get("q", "")[:MAX_SEARCH]
    fmt = request.GET.get("format", "")
    if fmt and fmt not in ("csv", "xlsx"):
        errors.append(_("Choose CSV or Excel."))
    context: dict[str, Any] = {
        "month_text": month_text or f"{month:%Y-%m}",
        "categories": categories,
        "category_id": category_id,
        "search": search,
        "errors": errors,
        "labels": production.figure_labels(),
        "figures": production.FIGURES,
    }
    if errors:
        return render(request, "plans/production.html", context, status=400)
    plan = production.production_plan(
        month=month, actor=request.user, category_id=category_id, search=search
    )
    if fmt == "csv":
        response: HttpResponse = StreamingHttpResponse(  # type: ignore[assignment]
            production.export_csv(plan), content_type=CSV_TYPE
        )
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=production.export_name(plan, fmt)
        )
        return response
    if fmt == "xlsx":
        return FileResponse(  # type: ignore[return-value]
            production.export_xlsx(plan),
            as_attachment=True,
            filename=production.export_name(plan, fmt),
            content_type=XLSX_TYPE,
        )
    query = query_without_page(request)
    context.update(
        {
            "month": month,
            "page": page_of(request, plan.rows, ROWS_PER_PAGE),
            "totals": [plan.totals[name] for name in production.FIGURES],
            "query": query,
            "file_query": urlencode(
                [("month", f"{month:%Y-%m}")]
                + [
                    (k, v)
                    for k, v in request.GET.items()
                    if k not in ("month", "page", "format") and v
                ]
            ),
            "filtered": bool(category_id or search.strip()),
        }
    )
    return render(request, "plans/production.html", context)


app_name = "plans"

urlpatterns = [
    path("targets/", targets, name="targets"),
    path("production/", production_plan, name="production"),
    path("targets/new/", target_create, name="target_create"),
    path("targets/<int:target_id>/", target_detail, name="target"),
    path("targets/<int:target_id>/adjust/", target_adjust, name="target_adjust"),
    path("targets/<int:target_id>/remove/", target_remove, name="target_remove"),
]
