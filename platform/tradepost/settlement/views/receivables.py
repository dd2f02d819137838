"""Receivables pages: aging by customer (or summed by salesperson, branch or region)
with a totals row, the overdue customers of the user's scope (a salesperson's "my
overdue customers", made for a phone), a customer's account (aging, open items,
credit position, the collectors' notes and promises to pay with the form to add one,
the adjustment 调帐 form for finance) and the customer statement for a period (page
and PDF)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tradepost.customers.models import Customer
from tradepost.lifecycle import permitted
from tradepost.settlement import collections, credit, forms, payments, selectors
from tradepost.settlement.expenses import EXPENSE_PAGES
from tradepost.settlement.filters import ReceivableListFilter
from tradepost.settlement.models import CollectionNote, LedgerEntry
from tradepost.settlement.pdf import statement_pdf
from tradepost.settlement.selectors import BUCKET_KEYS, BUCKETS
from tradepost.settlement.views.common import customer_in_scope, post_or_back
from tradepost.settlement.views.payments import open_invoices
from tradepost.workspace.forms import service_call
from tradepost.workspace.lists import filter_rows, query_without_page

ROWS_PER_PAGE = 100
NOTES_SHOWN = 20
GROUPS = {
    "customer": gettext_lazy("Customer"),
    "owner": gettext_lazy("Salesperson"),
    "branch": gettext_lazy("Branch"),
    "region": gettext_lazy("Region"),
}
FIGURES = (*BUCKET_KEYS, "on_account", "balance")


def _group_label(customer: Customer, group: str) -> tuple[Any, str]:
    if group == "owner":
        owner = customer.owner
        return (owner.pk if owner else None), (
            (owner.get_full_name() or owner.email) if owner else _("No salesperson")
        )
    if group == "branch":
        branch = customer.branch
        return (branch.pk if branch else None), (branch.name if branch else _("No branch"))
    region = customer.region
    return (region.pk if region else None), (region.name if region else _("No region"))


def _grouped(rows: list[dict], customers: dict[int, Customer], group: str) -> list[dict]:
    sums: dict[tuple[Any, str], dict[str, Any]] = {}
    for row in rows:
        key, label = _group_label(customers[row["customer_id"]], group)
        bucket = sums.setdefault(
            (key, row["currency"]),
            {
                "label": label,
                "currency": row["currency"],
                "customers": 0,
                **dict.fromkeys(FIGURES, Decimal("0.00")),
            },
        )
        bucket["customers"] += 1
        for name in FIGURES:
            bucket[name] += row[name]
    return sorted(sums.values(), key=lambda item: (-item["balance"], item["label"]))


def _totals(rows: list[dict]) -> list[dict]:
    by_currency: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_currency[row["currency"]].append(row)
    return [
        {"currency": currency, **selectors.aging_total(items)}
        for currency, items in sorted(by_currency.items())
    ]


@login_required
@permission_required("settlement.view_customeraccount", raise_exception=True)
def receivable_list(request: HttpRequest) -> HttpResponse:
    """One grouped query for the aging of every customer in scope (filtered), one for
    the customers' names (of the page's rows, or of all rows when grouped)."""
    entries, filterset = filter_rows(
        request, selectors.ledger_entries_visible_to(request.user), ReceivableListFilter
    )
    group = request.GET.get("group", "customer")
    if group not in GROUPS:
        group = "customer"
    rows = list(selectors.aging_by_customer(entries))
    totals = _totals(rows)
    related = ("owner", "branch", "region") if group != "customer" else ()
    if group == "customer":
        page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
        shown = list(page.object_list)
    else:
        page = None
        shown = rows
    customers = Customer.objects.select_related(*related).in_bulk(
        [row["customer_id"] for row in shown]
    )
    if group == "customer":
        for row in shown:
            row["customer"] = customers[row["customer_id"]]
        lines = shown
    else:
        lines = _grouped(shown, customers, group)
    form = filterset.form
    context = {
        "page": page,
        "lines": lines,
        "totals": totals,
        "buckets": BUCKETS,
        "group": group,
        "groups": [(key, label) for key, label in GROUPS.items()],
        "query": query_without_page(request),
        "query_without_group": "&".join(
            f"{k}={v}" for k, v in request.GET.items() if k not in ("group", "page") and v
        ),
        "filtered": any(form[name].value() for name in form.fields),
        "filter_form": form,
        "filter_fields": [form[name] for name in filterset.shown],
        "hidden_filters": [],
    }
    return render(request, "settlement/receivables/list.html", context)


@login_required
@permission_required("settlement.view_customeraccount", raise_exception=True)
def overdue_list(request: HttpRequest) -> HttpResponse:
    """The customers in the user's scope with invoices past due, most overdue money
    first: for a salesperson, their own customers (a phone-sized list of cards)."""
    today = timezone.localdate()
    late = LedgerEntry.objects.filter(amount__gt=0, open_amount__gt=0, due_date__lt=today)
    entries = selectors.ledger_entries_visible_to(request.user).filter(
        customer_id__in=late.values("customer_id")
    )
    rows = list(selectors.aging_by_customer(entries, today=today))
    customers = Customer.objects.in_bulk([row["customer_id"] for row in rows])
    for row in rows:
        row["customer"] = customers[row["customer_id"]]
        row["overdue"] = sum((row[key] for key in BUCKET_KEYS[1:]), Decimal("0.00"))
    rows.sort(key=lambda row: (-row["overdue"], row["customer"].name))
    promises = _latest_promises(request, [row["customer_id"] for row in rows])
    for row in rows:
        row["promise"] = promises.get(row["customer_id"])
    return render(
        request,
        "settlement/receivables/overdue.html",
        {"rows": rows, "buckets": BUCKETS, "today": today},
    )


def _latest_promises(request: HttpRequest, customer_ids: list[int]) -> dict[int, CollectionNote]:
    """Each customer's latest promise to pay, in one query (none for who may not read
    the collectors' notes)."""
    if not customer_ids or not request.user.has_perm("settlement.view_collectionnote"):
        return {}
    latest = (
        CollectionNote.objects.filter(
            customer_id__in=customer_ids, kind=CollectionNote.Kind.PROMISE
        )
        .order_by("customer_id", "-created_at", "-pk")
        .distinct("customer_id")
    )
    return {note.customer_id: note for note in latest}


def _account_context(request: HttpRequest, customer: Customer, **extra: Any) -> dict:
    user = request.user
    notes: list[CollectionNote] = []
    if user.has_perm("settlement.view_collectionnote"):
        notes = list(
            CollectionNote.objects.filter(customer=customer)
            .select_related("created_by")
            .order_by("-created_at", "-pk")[:NOTES_SHOWN]
        )
    return {
        "customer": customer,
        "aging": selectors.aging_of(customer.pk),
        "position": credit.credit_position(customer),
        "open_invoices": open_invoices(customer.pk),
        "on_account": list(
            LedgerEntry.objects.filter(customer=customer, amount__lt=0, open_amount__gt=0).order_by(
                "entry_date", "pk"
            )
        ),
        "recent": list(
            LedgerEntry.objects.filter(customer=customer).order_by("-entry_date", "-pk")[:20]
        ),
        "adjust_form": extra.pop("adjust_form", None)
        or forms.AdjustmentForm(initial={"entry_date": timezone.localdate()}),
        "can_adjust": user.has_perm("settlement.adjust_receivable"),
        "notes": notes,
        "can_read_notes": user.has_perm("settlement.view_collectionnote"),
        "can_note": user.has_perm("settlement.add_collectionnote"),
        "note_form": extra.pop("note_form", None) or forms.CollectionNoteForm(),
        "can_see_expenses": permitted(user, EXPENSE_PAGES),
        "today": timezone.localdate(),
        **extra,
    }


@login_required
@permission_required("settlement.view_customeraccount", raise_exception=True)
def customer_account(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = customer_in_scope(request.user, customer_id)
    return render(
        request, "settlement/receivables/account.html", _account_context(request, customer)
    )


@login_required
@permission_required("settlement.adjust_receivable", raise_exception=True)
@post_or_back(lambda customer_id: reverse("settlement:customer_account", args=[customer_id]))
def customer_adjust(request: HttpRequest, customer_id: int) -> HttpResponse:
    """调帐: move the balance by an amount (+ owes more, − owes less) with a reason."""
    customer = customer_in_scope(request.user, customer_id)
    form = forms.AdjustmentForm(request.POST)
    if form.is_valid():
        fields = form.cleaned_data
        done = service_call(
            form,
            lambda: payments.receivable_adjust(
                actor=request.user,
                customer=customer,
                amount=fields["amount"],
                reason=fields["reason"],
                entry_date=fields.get("entry_date"),
            ),
        )
        if done:
            messages.success(request, _("Adjustment posted."))
            return redirect("settlement:customer_account", customer_id=customer.pk)
    context = _account_context(request, customer, adjust_form=form)
    return render(request, "settlement/receivables/account.html", context, status=400)


@login_required
@permission_required("settlement.add_collectionnote", raise_exception=True)
@post_or_back(lambda customer_id: reverse("settlement:customer_account", args=[customer_id]))
def customer_note_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Note a call or visit, or the customer's promise to pay (催款): with a date and
    an amount, a promise."""
    customer = customer_in_scope(request.user, customer_id)
    form = forms.CollectionNoteForm(request.POST)
    if form.is_valid():
        fields = form.cleaned_data
        done = service_call(
            form,
            lambda: collections.collection_note_add(
                actor=request.user,
                customer=customer,
                text=fields["text"],
                promised_on=fields.get("promised_on"),
                promised_amount=fields.get("promised_amount"),
            ),
        )
        if done:
            messages.success(request, _("Note added."))
            return redirect(
                reverse("settlement:customer_account", args=[customer.pk]) + "#notes-title"
            )
    context = _account_context(request, customer, note_form=form)
    return render(request, "settlement/receivables/account.html", context, status=400)


@login_required
@permission_required("settlement.view_customeraccount", raise_exception=True)
def customer_statement(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = customer_in_scope(request.user, customer_id)
    form, start, end = forms.statement_period(request.GET)
    statement = selectors.statement(customer.pk, start, end)
    context = {
        "customer": customer,
        "form": form,
        "statement": statement,
        "currency": statement.currency or customer.currency,
        "period_query": f"start={start.isoformat()}&end={end.isoformat()}",
    }
    return render(
        request,
        "settlement/receivables/statement.html",
        context,
        status=400 if form.errors else 200,
    )


@login_required
@permission_required("settlement.view_customeraccount", raise_exception=True)
def customer_statement_pdf(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = customer_in_scope(request.user, customer_id)
    _form, start, end = forms.statement_period(request.GET)
    statement = selectors.statement(customer.pk, start, end)
    response = HttpResponse(
        statement_pdf(statement, customer=customer), content_type="application/pdf"
    )
    response["Content-Disposition"] = content_disposition_header(  # type: ignore[assignment]
        as_attachment=False,
        filename=f"statement-{customer.code or customer.pk}-{end.isoformat()}.pdf",
    )
    return response


urlpatterns = [
    path("receivables/", receivable_list, name="receivables"),
    path("receivables/overdue/", overdue_list, name="overdue"),
    path("receivables/<int:customer_id>/", customer_account, name="customer_account"),
    path("receivables/<int:customer_id>/adjust/", customer_adjust, name="customer_adjust"),
    path("receivables/<int:customer_id>/notes/", customer_note_add, name="customer_note_add"),
    path("receivables/<int:customer_id>/statement/", customer_statement, name="statement"),
    path(
        "receivables/<int:customer_id>/statement/pdf/",
        customer_statement_pdf,
        name="statement_pdf",
    ),
]
