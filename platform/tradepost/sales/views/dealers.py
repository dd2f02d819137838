"""Dealer pages: monthly demand plans (the list, drawing one up, review, and the
month's plans against orders) and master agreements (the list, drawing one up,
its usage per line and the orders placed under it, activation and closing).

Thin: parse a form, call a service of `sales.plans` / `sales.agreements`, render.
Every plan and agreement is looked up through the actor's customer scope, so a
dealer user reaches only its own plans, and an id outside the scope is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from tradepost.customers.forms import DateInput
from tradepost.customers.selectors import customers_visible_to
from tradepost.masterdata.models import Currency
from tradepost.sales import agreements as agreement_services
from tradepost.sales import plans as plan_services
from tradepost.sales.agreements import quantity_text
from tradepost.sales.forms import CustomerChoice, ProductChoice, active_products
from tradepost.sales.models import Agreement, DemandPlan
from tradepost.workspace.forms import MoneyField, QuantityField, service_call
from tradepost.workspace.lists import page_of, query_id, query_without_page

ROWS_PER_PAGE = 50
EXTRA_LINE_ROWS = 3
MAX_LINE_ROWS = 200


# --- Forms ---------------------------------------------------------------------------
class MonthInput(forms.TextInput):
    input_type = "month"

    def format_value(self, value):
        if hasattr(value, "strftime"):
            return f"{value:%Y-%m}"
        return super().format_value(value)


class MonthField(forms.CharField):
    """A month as "YYYY-MM" (what `<input type="month">` sends); cleans to its first
    day."""

    widget = MonthInput

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("help_text", gettext_lazy("YYYY-MM, e.g. 2026-12."))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return None
        try:
            return plan_services.month_start(value)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["month"]) from None


class PlanForm(forms.Form):
    """The head of a demand plan; its lines come from a `PlanLineFormSet`."""

    dealer = CustomerChoice(queryset=None, label=gettext_lazy("Dealer"))
    month = MonthField(label=gettext_lazy("Month"))
    notes = forms.CharField(
        label=gettext_lazy("Notes"),
        required=False,
        max_length=plan_services.MAX_NOTES,
        widget=forms.Textarea({"rows": 2}),
    )

    def __init__(self, *args, actor, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            # The dealer and the month are what the plan is; they stay.
            del self.fields["dealer"]
            del self.fields["month"]
            return
        dealers = plan_services.dealers_for_plans(actor)
        self.fields["dealer"].queryset = dealers
        if not self.is_bound and self.initial.get("dealer") is None:
            only = list(dealers[:2])
            if len(only) == 1:  # a dealer user: its own record
                self.initial["dealer"] = only[0].pk


class LineRowForm(forms.Form):
    """One row of a line table: a blank row is skipped, a half-filled one is an error."""

    def is_blank(self) -> bool:
        return not any(self.cleaned_data.get(name) not in (None, "") for name in self.base_fields)


class PlanLineForm(LineRowForm):
    product = ProductChoice(
        queryset=active_products(), label=gettext_lazy("Product"), required=False
    )
    quantity = QuantityField(label=gettext_lazy("Quantity"), required=False)

    def clean(self):
        data = super().clean()
        if not self.errors:
            if data.get("product") and data.get("quantity") is None:
                self.add_error("quantity", _("Enter a quantity."))
            elif data.get("quantity") is not None and not data.get("product"):
                self.add_error("product", _("Select a product."))
        return data


class AgreementLineForm(LineRowForm):
    product = ProductChoice(
        queryset=active_products(), label=gettext_lazy("Product"), required=False
    )
    unit_price = MoneyField(label=gettext_lazy("Agreed unit price"), required=False)
    max_quantity = QuantityField(
        label=gettext_lazy("Quantity cap"), required=False, help_text=gettext_lazy("Empty: no cap.")
    )

    def clean(self):
        data = super().clean()
        if not self.errors and not self.is_blank():
            if not data.get("product"):
                self.add_error("product", _("Select a product."))
            if data.get("unit_price") is None:
                self.add_error("unit_price", _("Enter the agreed price."))
        return data


class BaseLineRows(forms.BaseFormSet):
    def line_items(self) -> list[dict]:
        """The filled rows not marked for removal, as the services take them."""
        items = []
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.is_blank():
                continue
            if self.can_delete and self._should_delete_form(form):
                continue
            items.append(
                {name: form.cleaned_data.get(name) for name in form.base_fields if name != "DELETE"}
            )
        return items


def _formset(form_class):
    return forms.formset_factory(
        form_class,
        formset=BaseLineRows,
        extra=EXTRA_LINE_ROWS,
        can_delete=True,
        max_num=MAX_LINE_ROWS,
        validate_max=True,
    )


PlanLineFormSet = _formset(PlanLineForm)
AgreementLineFormSet = _formset(AgreementLineForm)


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        required=False,
        max_length=plan_services.MAX_NOTES,
        widget=forms.Textarea({"rows": 2}),
    )


class AgreementForm(forms.Form):
    """The head of an agreement. Once it is active only the name, the notes and the
    end date stay (`active=True`)."""

    customer = CustomerChoice(queryset=None, label=gettext_lazy("Customer"))
    name = forms.CharField(label=gettext_lazy("Name"), max_length=agreement_services.MAX_NAME)
    currency = forms.ChoiceField(
        label=gettext_lazy("Currency"),
        choices=[("", gettext_lazy("The customer's currency")), *Currency.choices],
        required=False,
    )
    starts_on = forms.DateField(label=gettext_lazy("Starts on"), widget=DateInput())
    ends_on = forms.DateField(label=gettext_lazy("Ends on"), widget=DateInput())
    notes = forms.CharField(
        label=gettext_lazy("Notes"),
        required=False,
        max_length=agreement_services.MAX_NOTES,
        widget=forms.Textarea({"rows": 3}),
    )

    def __init__(self, *args, actor, agreement: Agreement | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if agreement is None:
            self.fields["customer"].queryset = (
                customers_visible_to(actor).filter(is_active=True).order_by("name")
            )
            return
        del self.fields["customer"]  # an agreement stays with its customer
        self.fields["currency"].choices = Currency.choices
        if agreement.status != Agreement.Status.DRAFT:
            del self.fields["currency"]
            del self.fields["starts_on"]


def _rows(formset_class, data, initial=None):
    return formset_class(data, initial=initial, prefix="lines")


def _messages_by_field(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {"__all__": exc.messages}


# --- Demand plans --------------------------------------------------------------------
@login_required
@permission_required("sales.view_demandplan", raise_exception=True)
def demand_plan_list(request: HttpRequest) -> HttpResponse:
    month_text = request.GET.get("month", "").strip()[:10]
    month = None
    if month_text:
        try:
            month = plan_services.month_start(month_text)
        except ValidationError:
            month_text = ""
    status = request.GET.get("status", "")
    if status not in DemandPlan.Status.values:
        status = ""
    plans = plan_services.demand_plan_list(request.user, month=month, status=status or None)
    page = page_of(request, plans, ROWS_PER_PAGE)
    query = query_without_page(request)
    context = {
        "page": page,
        "query": query,
        "filtered": bool(month or status),
        "month": month,
        "status": status,
        "statuses": DemandPlan.Status.choices,
        "next_month": plan_services.next_month(),
        "can_add": request.user.has_perm("sales.add_demandplan"),
    }
    return render(request, "sales/dealers/plans.html", context)


@login_required
@permission_required("sales.add_demandplan", raise_exception=True)
@require_http_methods(["GET", "POST"])
def demand_plan_create(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    initial = {"month": plan_services.next_month()}
    dealer_id = query_id(request, "dealer")
    if dealer_id is not None:
        initial["dealer"] = dealer_id
    form = PlanForm(data, actor=request.user, initial=initial)
    formset = _rows(PlanLineFormSet, data)
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
        request, "sales/dealers/plan_form.html", context, status=400 if data is not None else 200
    )


@login_required
@permission_required("sales.change_demandplan", raise_exception=True)
@require_http_methods(["GET", "POST"])
def demand_plan_edit(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_services.demand_plan_get(request.user, plan_id)
    if plan.status not in plan_services.EDITABLE:
        messages.error(request, _("Only a draft or a returned plan can be changed."))
        return redirect("sales:demand_plan", plan_id=plan.pk)
    data = request.POST if request.method == "POST" else None
    form = PlanForm(data, actor=request.user, editing=True, initial={"notes": plan.notes})
    initial = [
        {"product": line.product_id, "quantity": quantity_text(line.quantity)}
        for line in plan.lines.all()
    ]
    formset = _rows(PlanLineFormSet, data, initial=initial)
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
        request, "sales/dealers/plan_form.html", context, status=400 if data is not None else 200
    )


def _plan_context(request: HttpRequest, plan: DemandPlan, **extra) -> dict:
    user = request.user
    editable = plan.status in plan_services.EDITABLE
    lines = list(plan.lines.all())
    for line in lines:
        line.quantity_text = quantity_text(line.quantity)
    return {
        "plan": plan,
        "lines": lines,
        "can": {
            "edit": editable and user.has_perm("sales.change_demandplan"),
            "submit": editable and user.has_perm("sales.change_demandplan"),
            "review": plan.status == DemandPlan.Status.SUBMITTED
            and user.has_perm("sales.review_demandplan"),
        },
        "review_form": extra.pop("review_form", None) or ReviewForm(),
        **extra,
    }


@login_required
@permission_required("sales.view_demandplan", raise_exception=True)
def demand_plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_services.demand_plan_get(request.user, plan_id)
    return render(request, "sales/dealers/plan.html", _plan_context(request, plan))


PLAN_STEPS: dict[str, Callable] = {
    "submit": lambda request, plan: plan_services.demand_plan_submit(actor=request.user, plan=plan),
    "accept": lambda request, plan: plan_services.demand_plan_accept(
        actor=request.user, plan=plan, comment=request.POST.get("comment", "")
    ),
    "return": lambda request, plan: plan_services.demand_plan_return(
        actor=request.user, plan=plan, comment=request.POST.get("comment", "")
    ),
}
PLAN_DONE = {
    "submit": gettext_lazy("Plan submitted for review."),
    "accept": gettext_lazy("Plan accepted."),
    "return": gettext_lazy("Plan returned to the dealer."),
}


@login_required
@permission_required("sales.view_demandplan", raise_exception=True)
@require_POST
def demand_plan_step(request: HttpRequest, plan_id: int, step: str) -> HttpResponse:
    """Submit, accept or return (the buttons on the plan's page)."""
    if step not in PLAN_STEPS:
        raise Http404
    plan = plan_services.demand_plan_get(request.user, plan_id)
    try:
        PLAN_STEPS[step](request, plan)
    except PermissionDenied:
        raise
    except ValidationError as exc:
        plan = plan_services.demand_plan_get(request.user, plan_id)
        review_form = ReviewForm(request.POST)
        review_form.is_valid()
        errors: list[str] = []
        for field, field_messages in _messages_by_field(exc).items():
            if field == "comment":
                review_form.add_error("comment", field_messages)
            else:
                errors.extend(field_messages)
        context = _plan_context(request, plan, step_errors=errors, review_form=review_form)
        return render(request, "sales/dealers/plan.html", context, status=400)
    messages.success(request, str(PLAN_DONE[step]))
    return redirect("sales:demand_plan", plan_id=plan.pk)


@login_required
@permission_required("sales.view_demandplan", raise_exception=True)
def demand_aggregate(request: HttpRequest) -> HttpResponse:
    """The month's submitted and accepted plans per product beside what was ordered."""
    month_text = request.GET.get("month", "").strip()[:10]
    error = ""
    month = plan_services.next_month()
    if month_text:
        try:
            month = plan_services.month_start(month_text)
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
    return render(request, "sales/dealers/aggregate.html", context, status=400 if error else 200)


# --- Agreements ----------------------------------------------------------------------
@login_required
@permission_required("sales.view_agreement", raise_exception=True)
def agreement_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in Agreement.Status.values:
        status = ""
    agreements = agreement_services.agreement_list(request.user, status=status or None)
    text = request.GET.get("q", "").strip().replace("\x00", "")[:100]
    if text:
        agreements = agreements.filter(
            Q(number__icontains=text) | Q(name__icontains=text) | Q(customer__name__icontains=text)
        )
    page = page_of(request, agreements, ROWS_PER_PAGE)
    query = query_without_page(request)
    context = {
        "page": page,
        "query": query,
        "filtered": bool(query),
        "status": status,
        "statuses": Agreement.Status.choices,
        "text": text,
    }
    return render(request, "sales/dealers/agreements.html", context)


def _agreement_lines_initial(agreement: Agreement) -> list[dict]:
    return [
        {
            "product": line.product_id,
            "unit_price": line.unit_price,
            "max_quantity": quantity_text(line.max_quantity) if line.max_quantity else None,
        }
        for line in agreement.lines.all()
    ]


@login_required
@permission_required("sales.add_agreement", raise_exception=True)
@require_http_methods(["GET", "POST"])
def agreement_create(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    initial = {}
    customer_id = query_id(request, "customer")
    if customer_id is not None:
        initial["customer"] = customer_id
    form = AgreementForm(data, actor=request.user, initial=initial)
    formset = _rows(AgreementLineFormSet, data)
    if data is not None and form.is_valid() & formset.is_valid():
        fields = form.cleaned_data
        agreement = service_call(
            form,
            lambda: agreement_services.agreement_create(
                actor=request.user,
                customer=fields["customer"],
                name=fields["name"],
                currency=fields.get("currency") or None,
                starts_on=fields["starts_on"],
                ends_on=fields["ends_on"],
                notes=fields.get("notes", ""),
                lines=formset.line_items(),
            ),
            formset=formset,
        ).result
        if agreement is not None:
            messages.success(
                request,
                _("Agreement %(number)s saved as a draft. Activate it to take orders.")
                % {"number": agreement.number},
            )
            return redirect("sales:agreement", agreement_id=agreement.pk)
    context = {"form": form, "formset": formset, "agreement": None}
    return render(
        request,
        "sales/dealers/agreement_form.html",
        context,
        status=400 if data is not None else 200,
    )


@login_required
@permission_required("sales.change_agreement", raise_exception=True)
@require_http_methods(["GET", "POST"])
def agreement_edit(request: HttpRequest, agreement_id: int) -> HttpResponse:
    agreement = agreement_services.agreement_get(request.user, agreement_id)
    if agreement.status == Agreement.Status.CLOSED:
        messages.error(request, _("A closed agreement does not change."))
        return redirect("sales:agreement", agreement_id=agreement.pk)
    draft = agreement.status == Agreement.Status.DRAFT
    data = request.POST if request.method == "POST" else None
    initial = {
        name: getattr(agreement, name)
        for name in ("name", "currency", "starts_on", "ends_on", "notes")
    }
    form = AgreementForm(data, actor=request.user, agreement=agreement, initial=initial)
    formset = (
        _rows(AgreementLineFormSet, data, initial=_agreement_lines_initial(agreement))
        if draft
        else None
    )
    if data is not None and form.is_valid() & (formset is None or formset.is_valid()):
        changes = dict(form.cleaned_data)
        if formset is not None:
            changes["lines"] = formset.line_items()
        updated = service_call(
            form,
            lambda: agreement_services.agreement_update(
                actor=request.user, agreement=agreement, **changes
            ),
            formset=formset,
        ).result
        if updated is not None:
            messages.success(request, _("Changes saved."))
            return redirect("sales:agreement", agreement_id=agreement.pk)
    context = {"form": form, "formset": formset, "agreement": agreement}
    return render(
        request,
        "sales/dealers/agreement_form.html",
        context,
        status=400 if data is not None else 200,
    )


def _agreement_context(request: HttpRequest, agreement: Agreement, **extra) -> dict:
    user = request.user
    S = Agreement.Status
    lines = list(agreement.lines.all())
    usage = []
    for line in lines:
        remaining = agreement_services.line_remaining(line)
        usage.append(
            {
                "line": line,
                "cap": quantity_text(line.max_quantity) if line.max_quantity else None,
                "ordered": quantity_text(line.ordered),
                "remaining": None if remaining is None else quantity_text(remaining),
                "percent": min(line.ordered * 100 / line.max_quantity, Decimal("100"))
                if line.max_quantity
                else None,
            }
        )
    orders = agreement_services.agreement_orders(agreement)
    page = page_of(request, orders, ROWS_PER_PAGE)
    can_change = user.has_perm("sales.change_agreement")
    return {
        "agreement": agreement,
        "usage": usage,
        "page": page,
        "query": "",
        "can": {
            "edit": agreement.status != S.CLOSED and can_change,
            "activate": agreement.status == S.DRAFT and can_change,
            "close": agreement.status == S.ACTIVE and can_change,
        },
        **extra,
    }


@login_required
@permission_required("sales.view_agreement", raise_exception=True)
def agreement_detail(request: HttpRequest, agreement_id: int) -> HttpResponse:
    agreement = agreement_services.agreement_get(request.user, agreement_id)
    return render(request, "sales/dealers/agreement.html", _agreement_context(request, agreement))


AGREEMENT_STEPS: dict[str, Callable] = {
    "activate": agreement_services.agreement_activate,
    "close": agreement_services.agreement_close,
}
AGREEMENT_DONE = {
    "activate": gettext_lazy("Agreement active: orders may now be placed under it."),
    "close": gettext_lazy("Agreement closed: it takes no more orders."),
}


@login_required
@permission_required("sales.view_agreement", raise_exception=True)
@require_POST
def agreement_step(request: HttpRequest, agreement_id: int, step: str) -> HttpResponse:
    """Activate or close (the buttons on the agreement's page)."""
    if step not in AGREEMENT_STEPS:
        raise Http404
    agreement = agreement_services.agreement_get(request.user, agreement_id)
    try:
        AGREEMENT_STEPS[step](actor=request.user, agreement=agreement)
    except ValidationError as exc:
        agreement = agreement_services.agreement_get(request.user, agreement_id)
        context = _agreement_context(request, agreement, step_errors=exc.messages)
        return render(request, "sales/dealers/agreement.html", context, status=400)
    messages.success(request, str(AGREEMENT_DONE[step]))
    return redirect("sales:agreement", agreement_id=agreement.pk)


urlpatterns = [
    path("demand-plans/", demand_plan_list, name="demand_plans"),
    path("demand-plans/new/", demand_plan_create, name="demand_plan_create"),
    path("demand-plans/aggregate/", demand_aggregate, name="demand_aggregate"),
    path("demand-plans/<int:plan_id>/", demand_plan_detail, name="demand_plan"),
    path("demand-plans/<int:plan_id>/edit/", demand_plan_edit, name="demand_plan_edit"),
    path("demand-plans/<int:plan_id>/<slug:step>/", demand_plan_step, name="demand_plan_step"),
    path("agreements/", agreement_list, name="agreements"),
    path("agreements/new/", agreement_create, name="agreement_create"),
    path("agreements/<int:agreement_id>/", agreement_detail, name="agreement"),
    path("agreements/<int:agreement_id>/edit/", agreement_edit, name="agreement_edit"),
    path("agreements/<int:agreement_id>/<slug:step>/", agreement_step, name="agreement_step"),
]
