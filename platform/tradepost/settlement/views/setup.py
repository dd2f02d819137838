"""Finance's own files: exchange rates (the list, and a rate entered for a day), the
settlement settings (after how many days overdue invoices hold orders, the payment
reminders, the accounting export's accounts) and the credit override of an order
refused for credit."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tradepost.sales.models import Order
from tradepost.sales.selectors import order_get
from tradepost.settlement import credit, forms, selectors, services
from tradepost.settlement.filters import ExchangeRateListFilter
from tradepost.settlement.models import CreditOverride
from tradepost.workspace.forms import service_call
from tradepost.workspace.lists import list_page

ROWS_PER_PAGE = 50


@login_required
@permission_required("settlement.view_exchangerate", raise_exception=True)
@require_http_methods(["GET", "POST"])
def exchange_rates(request: HttpRequest) -> HttpResponse:
    rows = (
        selectors.exchange_rates().select_related("created_by").order_by("-rate_date", "currency")
    )
    can_add = request.user.has_perm("settlement.add_exchangerate")
    form = forms.ExchangeRateForm(initial={"rate_date": timezone.localdate()})
    status = 200
    if request.method == "POST":
        if not can_add:
            return HttpResponse(status=403)
        form = forms.ExchangeRateForm(request.POST)
        if form.is_valid():
            fields = form.cleaned_data
            done = service_call(
                form,
                lambda: services.exchange_rate_set(
                    actor=request.user,
                    currency=fields["currency"],
                    rate=fields["rate"],
                    rate_date=fields["rate_date"],
                ),
            )
            if done:
                messages.success(request, _("Rate saved."))
                return redirect("settlement:exchange_rates")
        status = 400
    context: dict[str, Any] = {
        **list_page(request, rows, ExchangeRateListFilter, per_page=ROWS_PER_PAGE),
        "form": form,
        "can_add": can_add,
    }
    return render(request, "settlement/setup/exchange_rates.html", context, status=status)


@login_required
@permission_required("settlement.change_settlementsettings", raise_exception=True)
@require_http_methods(["GET", "POST"])
def settlement_settings(request: HttpRequest) -> HttpResponse:
    """The credit hold, the payment reminders (on or off, how often) and the accounts
    the accounting export posts to."""
    current = services.settings_get()
    form = forms.SettlementSettingsForm(
        initial={
            "overdue_block_days": current.overdue_block_days,
            "reminders_enabled": current.reminders_enabled,
            "reminder_every_days": current.reminder_every_days,
            **{f"account_{key}": getattr(current, f"account_{key}") for key in forms.ACCOUNT_KEYS},
        }
    )
    if request.method == "POST":
        form = forms.SettlementSettingsForm(request.POST)
        if form.is_valid():
            fields = form.cleaned_data
            done = service_call(
                form,
                lambda: services.settings_update(
                    actor=request.user,
                    overdue_block_days=fields["overdue_block_days"],
                    reminders_enabled=fields["reminders_enabled"],
                    reminder_every_days=fields["reminder_every_days"],
                    accounts=form.accounts(),
                ),
            )
            if done:
                messages.success(request, _("Settings saved."))
                return redirect("settlement:settings")
    status = 400 if request.method == "POST" else 200
    return render(request, "settlement/setup/settings.html", {"form": form}, status=status)


@login_required
@permission_required("settlement.add_creditoverride", raise_exception=True)
@require_http_methods(["GET", "POST"])
def credit_override(request: HttpRequest, order_id: int) -> HttpResponse:
    """Grant an order refused for credit leave to be confirmed once, with a reason."""
    order = order_get(request.user, order_id)
    form = forms.CreditOverrideForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        done = service_call(
            form,
            lambda: credit.credit_override_grant(
                actor=request.user, order=order, reason=form.cleaned_data["reason"]
            ),
        )
        if done:
            messages.success(request, _("Override recorded: the order can now be confirmed once."))
            return redirect("sales:order", order_id=order.pk)
    context = {
        "order": order,
        "form": form,
        "position": credit.credit_position(order.customer),
        "waiting": CreditOverride.objects.filter(order=order, used_at__isnull=True).first(),
        "confirmable": order.status
        in (Order.Status.DRAFT, Order.Status.SUBMITTED, Order.Status.APPROVED),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "settlement/setup/credit_override.html", context, status=status)


urlpatterns = [
    path("exchange-rates/", exchange_rates, name="exchange_rates"),
    path("settings/", settlement_settings, name="settings"),
    path("orders/<int:order_id>/credit-override/", credit_override, name="credit_override"),
]
