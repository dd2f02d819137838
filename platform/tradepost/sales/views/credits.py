"""Sales pages: the settlement credits owed to customers (posted by price adjustments
and returns), newest first, in the user's customer scope."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from tradepost.sales.filters import SettlementCreditListFilter
from tradepost.sales.selectors import settlement_credit_list
from tradepost.workspace.lists import list_page


@login_required
@permission_required("sales.view_settlementcredit", raise_exception=True)
def credit_list(request: HttpRequest) -> HttpResponse:
    context = list_page(request, settlement_credit_list(request.user), SettlementCreditListFilter)
    return render(request, "sales/credits/list.html", context)


urlpatterns = [
    path("credits/", credit_list, name="credits"),
]
