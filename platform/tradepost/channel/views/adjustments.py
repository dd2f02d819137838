"""Sales pages: price adjustments (调价补差) with their dealers' lines (the dealers' stock
reports are `views.stock`, the credits an adjustment posts `sales.views.credits`).

Thin: parse, authorise, call a selector or a service of `channel.adjustments`, render.
Buttons show per permission; the services check again. Lines shown are those of
dealers in the user's customer scope.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from tradepost.channel import adjustments
from tradepost.channel.filters import PriceAdjustmentListFilter
from tradepost.channel.forms import DealerChoice, dealers_of
from tradepost.channel.models import PriceAdjustment
from tradepost.channel.selectors import price_adjustments_visible_to
from tradepost.customers.forms import DateInput
from tradepost.masterdata.forms import ProductChoice, active_products
from tradepost.masterdata.models import Currency
from tradepost.pricing.lines import decimal_text
from tradepost.principals import Actor
from tradepost.sales.models import SettlementCredit
from tradepost.sales.selectors import settlement_credit_list
from tradepost.workspace.forms import MoneyField, QuantityField, add_service_errors
from tradepost.workspace.lists import list_page, page_of
from tradepost.workspace.steps import Step, step_view

ROWS_PER_PAGE = 50
S = PriceAdjustment.Status


# --- Forms ---------------------------------------------------------------------------
class AdjustmentForm(forms.Form):
    product = ProductChoice(queryset=active_products(), label=gettext_lazy("Product"))
    new_price = MoneyField(label=gettext_lazy("New price"))
    old_price = MoneyField(
        label=gettext_lazy("Old price"),
        required=False,
        help_text=gettext_lazy("Leave empty for the product's list price."),
    )
    currency = forms.ChoiceField(
        label=gettext_lazy("Currency"),
        required=False,
        choices=[("", gettext_lazy("The product's currency")), *Currency.choices],
    )
    effective_on = forms.DateField(label=gettext_lazy("Effective on"), widget=DateInput)
    basis = forms.ChoiceField(
        label=gettext_lazy("Dealers' stock from"),
        choices=PriceAdjustment.Basis.choices,
        widget=forms.RadioSelect,
        initial=PriceAdjustment.Basis.REPORTED_STOCK,
    )
    window_days = forms.IntegerField(
        label=gettext_lazy("Window (days)"),
        min_value=1,
        max_value=adjustments.MAX_WINDOW_DAYS,
        initial=30,
        help_text=gettext_lazy(
            "For deliveries: goods delivered this many days before the effective day."
        ),
    )
    notes = forms.CharField(label=gettext_lazy("Notes"), required=False, widget=forms.Textarea)
    apply_to_product = forms.BooleanField(
        label=gettext_lazy("Also set the product's list price to the new price"),
        required=False,
    )

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["currency"] = data.get("currency") or None
        return data


class LineForm(forms.Form):
    dealer = DealerChoice(queryset=None, label=gettext_lazy("Dealer"))
    quantity = QuantityField(
        label=gettext_lazy("Quantity held"), help_text=gettext_lazy("0 removes the dealer's line.")
    )

    def __init__(self, *args, actor: Actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dealer"].queryset = dealers_of(actor)  # type: ignore[attr-defined]  # a ModelChoiceField


# --- Adjustments ---------------------------------------------------------------------
@login_required
@permission_required("channel.view_priceadjustment", raise_exception=True)
def adjustment_list(request: HttpRequest) -> HttpResponse:
    context = list_page(
        request, adjustments.price_adjustment_list(request.user), PriceAdjustmentListFilter
    )
    context |= {
        "status": context["filters"].form.cleaned_data.get("status") or "",
        "statuses": S.choices,
    }
    return render(request, "channel/adjustments/list.html", context)


@login_required
@permission_required("channel.add_priceadjustment", raise_exception=True)
@require_http_methods(["GET", "POST"])
def adjustment_create(request: HttpRequest) -> HttpResponse:
    form = AdjustmentForm(
        request.POST or None, initial={"effective_on": timezone.localdate(), "window_days": 30}
    )
    if request.method == "POST" and form.is_valid():
        try:
            adjustment = adjustments.price_adjustment_create(
                actor=request.user, **form.service_data()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(number)s created: %(total)s %(currency)s owed to dealers.")
                % {
                    "number": adjustment.number,
                    "total": adjustment.total,
                    "currency": adjustment.currency,
                },
            )
            return redirect("sales:adjustment", adjustment_id=adjustment.pk)
    return render(
        request,
        "channel/adjustments/form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


def _adjustment_for(request: HttpRequest, adjustment_id: int) -> PriceAdjustment:
    return _adjustment_get(request.user, adjustment_id)


def _detail(
    request: HttpRequest,
    adjustment: PriceAdjustment,
    *,
    line_form: LineForm | None = None,
    errors: list[str] | None = None,
) -> HttpResponse:
    user = request.user
    lines = adjustments.adjustment_lines_visible_to(user).filter(adjustment=adjustment)
    page = page_of(request, lines)
    can = adjustments.LIFECYCLE.buttons(user, adjustment)
    can_change = can["recompute"]  # and correct lines: the same rule ("line_set")
    credits = (
        settlement_credit_list(user).filter(price_adjustment=adjustment)
        if user.has_perm("sales.view_settlementcredit")
        else SettlementCredit.objects.none()
    )
    context = {
        "adjustment": adjustment,
        "page": page,
        "hidden_lines": adjustment.lines.count() - page.paginator.count,
        "can_change": can_change,
        "can_approve": can["approve"],
        "can_post": can["post"],
        "can_cancel": can["cancel"],
        "line_form": line_form or (LineForm(actor=user) if can_change else None),
        "credits": list(credits[:ROWS_PER_PAGE]),
        "errors": errors or [],
    }
    failed = bool(errors) or bool(line_form is not None and line_form.errors)
    return render(
        request, "channel/adjustments/detail.html", context, status=400 if failed else 200
    )


@login_required
@permission_required("channel.view_priceadjustment", raise_exception=True)
def adjustment_detail(request: HttpRequest, adjustment_id: int) -> HttpResponse:
    return _detail(request, _adjustment_for(request, adjustment_id))


@login_required
@permission_required("channel.change_priceadjustment", raise_exception=True)
@require_POST
def adjustment_line_set(request: HttpRequest, adjustment_id: int) -> HttpResponse:
    adjustment = _adjustment_for(request, adjustment_id)
    form = LineForm(request.POST, actor=request.user)
    if form.is_valid():
        try:
            adjustments.price_adjustment_line_set(
                actor=request.user, adjustment=adjustment, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(dealer)s now holds %(quantity)s.")
                % {
                    "dealer": form.cleaned_data["dealer"].name,
                    "quantity": decimal_text(form.cleaned_data["quantity"]),
                },
            )
            return redirect("sales:adjustment", adjustment_id=adjustment.pk)
    adjustment.refresh_from_db()
    return _detail(request, adjustment, line_form=form)


def _adjustment_get(actor, adjustment_id: int) -> PriceAdjustment:
    return get_object_or_404(
        price_adjustments_visible_to(actor).select_related("product", "created_by", "reviewed_by"),
        pk=adjustment_id,
    )


def _step_failed(
    request: HttpRequest, adjustment: PriceAdjustment, step: str, exc: ValidationError
) -> HttpResponse:
    return _detail(request, adjustment, errors=exc.messages)


adjustment_step = step_view(
    permission="channel.view_priceadjustment",
    get=_adjustment_get,
    steps={
        "recompute": Step(
            lambda request, adjustment: adjustments.price_adjustment_recompute(
                actor=request.user, adjustment=adjustment
            ),
            done=gettext_lazy("Lines computed again."),
        ),
        "approve": Step(
            lambda request, adjustment: adjustments.price_adjustment_approve(
                actor=request.user, adjustment=adjustment
            ),
            done=gettext_lazy("Approved."),
        ),
        "post": Step(
            lambda request, adjustment: adjustments.price_adjustment_post(
                actor=request.user, adjustment=adjustment
            ),
            done=gettext_lazy("Posted: the dealers' credits are waiting for settlement."),
        ),
        "cancel": Step(
            lambda request, adjustment: adjustments.price_adjustment_cancel(
                actor=request.user, adjustment=adjustment, reason=request.POST.get("reason", "")
            ),
            done=gettext_lazy("Cancelled."),
        ),
    },
    page=lambda adjustment: reverse("sales:adjustment", args=[adjustment.pk]),
    failed=_step_failed,
)


urlpatterns = [
    path("adjustments/", adjustment_list, name="adjustments"),
    path("adjustments/new/", adjustment_create, name="adjustment_create"),
    path("adjustments/<int:adjustment_id>/", adjustment_detail, name="adjustment"),
    path(
        "adjustments/<int:adjustment_id>/lines/",
        adjustment_line_set,
        name="adjustment_line_set",
    ),
    path(
        "adjustments/<int:adjustment_id>/<slug:step>/",
        adjustment_step,
        name="adjustment_step",
    ),
]
