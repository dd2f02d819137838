"""Sales pages: the settlement credits owed to customers (posted by price adjustments
and returns), newest first, in the user's customer scope."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from tradepost.sales.selectors import settlement_credit_list

ROWS_PER_PAGE = 50


@login_required
@permission_required("sales.view_settlementcredit", raise_exception=True)
def credit_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(settlement_credit_list(request.user), ROWS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "sales/credits/list.html", {"page": page})


urlpatterns = [
    path("credits/", credit_list, name="credits"),
]
