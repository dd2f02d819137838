"""The customers pages: the list, the 360° page and the CRM pages around them. Thin:
parse, authorise, call a selector or a service, render. Every customer is looked up
through the actor's scope, so an id outside it is a 404 like a missing one."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from tradepost.customers import forms, selectors, services
from tradepost.customers.filters import (
    ActivityListFilter,
    CustomerListFilter,
    DealerReportListFilter,
    TicketListFilter,
)
from tradepost.customers.models import PriceList
from tradepost.customers.panels import panels_for
from tradepost.customers.prices import prices_resolve
from tradepost.workspace.forms import service_call
from tradepost.workspace.lists import list_page, page_of, query_id

CUSTOMERS_PER_PAGE = 25
ROWS_PER_PAGE = 50


# --- The list ------------------------------------------------------------------------
@login_required
@permission_required("customers.view_customer", raise_exception=True)
def customer_list(request: HttpRequest) -> HttpResponse:
    context = list_page(
        request,
        selectors.customer_list(request.user),
        CustomerListFilter,
        per_page=CUSTOMERS_PER_PAGE,
        saved_filters="customers",
    )
    context["bulk_form"] = forms.CustomerBulkForm(actor=request.user)
    return render(request, "customers/list.html", context)


def _ids(request: HttpRequest) -> list[int]:
    values = request.POST.getlist("ids")[: services.BULK_MAX + 1]
    return [int(v) for v in values if v.isascii() and v.isdigit() and len(v) < 10]


@login_required
@permission_required("customers.change_customer", raise_exception=True)
@require_http_methods(["GET", "POST"])
def customer_bulk(request: HttpRequest) -> HttpResponse:
    """The list's bulk change of the ticked customers (`ids`): each row through the
    customer service, so each passes its own checks; back to the list with what was
    done and what was refused. A GET goes back to the list."""
    back = request.POST.get("next", "")
    if not back.startswith(reverse("customers:list")) or not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}
    ):
        back = reverse("customers:list")
    if request.method == "GET":
        return redirect(back)
    form = forms.CustomerBulkForm(request.POST, actor=request.user)
    ids = _ids(request)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(back)
    action = form.cleaned_data["action"]
    if action == "export":
        if not ids:
            messages.error(request, _("Tick the customers to change first."))
            return redirect(back)
        query = urlencode({"ids": ",".join(map(str, ids)), "format": "xlsx"})
        return redirect(f"{reverse('dataio:export', args=['customers'])}?{query}")
    customers = (
        selectors.customers_visible_to(request.user).filter(pk__in=ids).order_by("name_sort", "pk")
    )
    try:
        outcome = services.customers_bulk_change(
            actor=request.user,
            customers=customers.prefetch_related("tags"),
            action=action,
            owner=form.cleaned_data.get("owner"),
            tag=form.cleaned_data.get("tag") or "",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    if outcome.changed:
        messages.success(
            request,
            ngettext(
                "%(count)d customer changed.", "%(count)d customers changed.", len(outcome.changed)
            )
            % {"count": len(outcome.changed)},
        )
    for customer, why in outcome.refused[:10]:
        messages.error(request, f"{customer.name}: {why}")
    if len(outcome.refused) > 10:
        messages.error(
            request, _("%(count)d more were refused.") % {"count": len(outcome.refused) - 10}
        )
    return redirect(back)


# --- Create and edit -----------------------------------------------------------------
@login_required
@permission_required("customers.add_customer", raise_exception=True)
@require_http_methods(["GET", "POST"])
def customer_create(request: HttpRequest) -> HttpResponse:
    form = forms.CustomerForm(
        request.POST or None, actor=request.user, initial={"currency": services.base_currency()}
    )
    if request.method == "POST" and form.is_valid():
        done = service_call(
            form, lambda: services.customer_create(actor=request.user, **form.service_data())
        )
        if done:
            customer = done.result
            messages.success(request, _("Customer %(name)s added.") % {"name": customer.name})
            return redirect("customers:detail", customer_id=customer.pk)
    status = 400 if form.errors else 200
    return render(request, "customers/form.html", {"form": form}, status=status)


@login_required
@permission_required("customers.change_customer", raise_exception=True)
@require_http_methods(["GET", "POST"])
def customer_edit(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = selectors.customer_get(request.user, customer_id)
    initial = {
        name: getattr(customer, name)
        for name in (*services.CUSTOMER_FIELDS, *services.CREDIT_FIELDS)
    }
    initial["tags"] = ", ".join(tag.name for tag in customer.tags.all())
    form = forms.CustomerForm(
        request.POST or None, actor=request.user, customer=customer, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        if service_call(
            form, lambda: services.customer_update(actor=request.user, customer=customer, **data)
        ):
            messages.success(request, _("Changes to %(name)s saved.") % {"name": customer.name})
            return redirect("customers:detail", customer_id=customer.pk)
    status = 400 if form.errors else 200
    return render(
        request, "customers/form.html", {"form": form, "customer": customer}, status=status
    )


# --- Inline edit on the list ----------------------------------------------------------
INLINE_HEADER = "X-Inline-Edit"


def _inline_fallback(customer, field: str) -> str:
    """Where the field is changed without JavaScript: the edit page, or for credit the
    terms form on the customer's page."""
    if field == "credit_limit":
        return reverse("customers:detail", args=[customer.pk]) + "#credit-terms"
    return reverse("customers:edit", args=[customer.pk])


@login_required
@require_http_methods(["GET", "POST"])
def customer_inline(request: HttpRequest, customer_id: int, field: str) -> HttpResponse:
    """One cell of the customer list changed in place (`tradepost/inline.js`): GET the
    small form, POST it through `services.customer_update` — the edit page's service,
    with its checks and audit entry — and get the new cell back, or the form with its
    errors (400). The customer is looked up in the caller's scope (404 outside it), the
    field's permission is checked for the row (403). Opened without the script (no
    `X-Inline-Edit` header), it leads to the page that changes the field."""
    spec = forms.INLINE_FIELDS.get(field)
    if spec is None:
        raise Http404
    form_class, permission = spec
    customer = selectors.customer_get(request.user, customer_id)
    if not request.user.has_perm(permission):
        raise PermissionDenied
    if INLINE_HEADER not in request.headers:
        return redirect(_inline_fallback(customer, field))
    context = {"customer": customer, "field": field, "can": True}
    auto_id = f"inline-{customer.pk}-%s"
    if request.method == "GET":
        form = form_class(initial={field: getattr(customer, field)}, auto_id=auto_id)
        return render(request, "customers/_inline_form.html", {**context, "form": form})
    form = form_class(request.POST, auto_id=auto_id)
    if form.is_valid():
        done = service_call(
            form,
            lambda: services.customer_update(
                actor=request.user, customer=customer, **{field: form.cleaned_data[field]}
            ),
        )
        if done:
            return render(
                request, "customers/_inline_cell.html", {**context, "customer": done.result}
            )
    return render(request, "customers/_inline_form.html", {**context, "form": form}, status=400)


# --- The 360° page -------------------------------------------------------------------
def _render_detail(request, customer, status: int = 200, **forms_given) -> HttpResponse:
    user = request.user
    context = {
        "customer": customer,
        **selectors.customer_overview(user, customer),
        "contact_form": forms_given.get("contact_form") or forms.ContactForm(),
        "activity_form": forms_given.get("activity_form")
        or forms.ActivityForm(actor=user, customer=customer),
        "ticket_form": forms_given.get("ticket_form")
        or forms.TicketForm(actor=user, customer=customer),
        "rating_form": forms_given.get("rating_form") or forms.CreditRatingForm(),
        "credit_form": forms_given.get("credit_form")
        or forms.CreditTermsForm(
            initial={
                "credit_limit": customer.credit_limit,
                "payment_terms_days": customer.payment_terms_days,
            }
        ),
        "price_form": forms_given.get("price_form") or forms.PriceCheckForm(),
        "resolved_price": forms_given.get("resolved_price"),
        "panels": panels_for(request, customer),
    }
    return render(request, "customers/detail.html", context, status=status)


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = selectors.customer_get(request.user, customer_id)
    if "product" not in request.GET:
        return _render_detail(request, customer)
    # The price check: what this customer pays for a product, by the one rule.
    price_form = forms.PriceCheckForm(request.GET)
    if not price_form.is_valid():
        return _render_detail(request, customer, status=400, price_form=price_form)
    product = price_form.cleaned_data["product"]
    resolved = prices_resolve(
        customer=customer,
        products=[product],
        on_date=price_form.cleaned_data.get("on_date"),
        currency=price_form.cleaned_data.get("currency") or None,
    )[product.pk]
    return _render_detail(
        request,
        customer,
        price_form=price_form,
        resolved_price={"product": product, "price": resolved},
    )


def _detail_post(request, customer_id, form_name, form, call, success) -> HttpResponse:
    """A form on the 360° page: run the service, or show the page again with errors."""
    customer = selectors.customer_get(request.user, customer_id)
    bound = form(customer)
    if bound.is_valid() and service_call(bound, lambda: call(customer, bound)):
        messages.success(request, success)
        return redirect("customers:detail", customer_id=customer.pk)
    return _render_detail(request, customer, status=400, **{form_name: bound})


@login_required
@permission_required("customers.add_contact", raise_exception=True)
@require_POST
def contact_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    return _detail_post(
        request,
        customer_id,
        "contact_form",
        lambda customer: forms.ContactForm(request.POST),
        lambda customer, form: services.contact_create(
            actor=request.user, customer=customer, **form.cleaned_data
        ),
        _("Contact added."),
    )


@login_required
@permission_required("customers.add_activity", raise_exception=True)
@require_POST
def activity_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    return _detail_post(
        request,
        customer_id,
        "activity_form",
        lambda customer: forms.ActivityForm(request.POST, actor=request.user, customer=customer),
        lambda customer, form: services.activity_create(
            actor=request.user, customer=customer, **form.service_data()
        ),
        _("Activity saved."),
    )


@login_required
@permission_required("customers.add_ticket", raise_exception=True)
@require_POST
def ticket_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    return _detail_post(
        request,
        customer_id,
        "ticket_form",
        lambda customer: forms.TicketForm(request.POST, actor=request.user, customer=customer),
        lambda customer, form: services.ticket_create(
            actor=request.user, customer=customer, **form.cleaned_data
        ),
        _("Ticket opened."),
    )


@login_required
@permission_required("customers.add_creditrating", raise_exception=True)
@require_POST
def rating_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    return _detail_post(
        request,
        customer_id,
        "rating_form",
        lambda customer: forms.CreditRatingForm(request.POST),
        lambda customer, form: services.credit_rating_create(
            actor=request.user, customer=customer, **form.cleaned_data
        ),
        _("Credit rating recorded."),
    )


@login_required
@permission_required("customers.change_credit_terms", raise_exception=True)
@require_POST
def credit_terms(request: HttpRequest, customer_id: int) -> HttpResponse:
    return _detail_post(
        request,
        customer_id,
        "credit_form",
        lambda customer: forms.CreditTermsForm(request.POST),
        lambda customer, form: services.customer_update(
            actor=request.user, customer=customer, **form.cleaned_data
        ),
        _("Credit terms saved."),
    )


@login_required
@permission_required("customers.change_contact", raise_exception=True)
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, customer_id: int, contact_id: int) -> HttpResponse:
    customer = selectors.customer_get(request.user, customer_id)
    contact = get_object_or_404(customer.contacts, pk=contact_id)
    initial = {name: getattr(contact, name) for name in services.CONTACT_FIELDS}
    form = forms.ContactForm(request.POST or None, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and service_call(
            form,
            lambda: services.contact_update(
                actor=request.user, contact=contact, **form.cleaned_data
            ),
        )
    ):
        messages.success(request, _("Contact saved."))
        return redirect("customers:detail", customer_id=customer.pk)
    return render(
        request,
        "customers/contact_form.html",
        {"form": form, "customer": customer, "contact": contact},
        status=400 if form.errors else 200,
    )


@login_required
@permission_required("customers.delete_contact", raise_exception=True)
@require_POST
def contact_delete(request: HttpRequest, customer_id: int, contact_id: int) -> HttpResponse:
    customer = selectors.customer_get(request.user, customer_id)
    contact = get_object_or_404(customer.contacts, pk=contact_id)
    services.contact_delete(actor=request.user, contact=contact)
    messages.success(request, _("Contact %(name)s removed.") % {"name": contact.name})
    return redirect("customers:detail", customer_id=customer.pk)


# --- Activities and tickets ----------------------------------------------------------
@login_required
@permission_required("customers.view_activity", raise_exception=True)
def activity_list(request: HttpRequest) -> HttpResponse:
    context = list_page(
        request,
        selectors.activity_list(request.user),
        ActivityListFilter,
        saved_filters="activities",
    )
    return render(request, "customers/activities.html", context)


@login_required
@permission_required("customers.change_activity", raise_exception=True)
@require_POST
def activity_done(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = get_object_or_404(selectors.activities_visible_to(request.user), pk=activity_id)
    done = request.POST.get("done", "1") == "1"
    services.activity_update(actor=request.user, activity=activity, done=done)
    messages.success(request, _("Activity marked done.") if done else _("Activity reopened."))
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("customers:activities")
    return redirect(next_url)


@login_required
@permission_required("customers.view_ticket", raise_exception=True)
def ticket_list(request: HttpRequest) -> HttpResponse:
    context = list_page(
        request, selectors.ticket_list(request.user), TicketListFilter, saved_filters="tickets"
    )
    return render(request, "customers/tickets.html", context)


@login_required
@permission_required("customers.view_ticket", raise_exception=True)
@require_http_methods(["GET", "POST"])
def ticket_detail(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = get_object_or_404(
        selectors.tickets_visible_to(request.user).select_related(
            "customer", "assignee", "contact"
        ),
        pk=ticket_id,
    )
    initial = {
        "status": ticket.status,
        "priority": ticket.priority,
        "assignee": ticket.assignee,
        "resolution": ticket.resolution,
    }
    form = forms.TicketUpdateForm(
        request.POST or None, actor=request.user, ticket=ticket, initial=initial
    )
    if request.method == "POST":
        if not request.user.has_perm("customers.change_ticket"):
            raise PermissionDenied
        if form.is_valid() and service_call(
            form,
            lambda: services.ticket_update(actor=request.user, ticket=ticket, **form.cleaned_data),
        ):
            messages.success(request, _("Ticket saved."))
            return redirect("customers:ticket", ticket_id=ticket.pk)
    return render(
        request,
        "customers/ticket.html",
        {"ticket": ticket, "form": form},
        status=400 if form.errors else 200,
    )


# --- Dealer reports ------------------------------------------------------------------
@login_required
@permission_required("customers.view_dealerreport", raise_exception=True)
@require_http_methods(["GET", "POST"])
def dealer_report_list(request: HttpRequest) -> HttpResponse:
    can_add = request.user.has_perm("customers.add_dealerreport")
    form = forms.DealerReportForm(request.POST or None, actor=request.user)
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied
        if form.is_valid() and service_call(
            form,
            lambda: services.dealer_report_create(actor=request.user, **form.cleaned_data),
        ):
            messages.success(request, _("Report sent. Thank you."))
            return redirect("customers:dealer_reports")
    context = list_page(request, selectors.dealer_report_list(request.user), DealerReportListFilter)
    kind = context["filters"].form.cleaned_data.get("kind")
    context.update(form=form, can_add=can_add, kind=kind)
    return render(
        request, "customers/dealer_reports.html", context, status=400 if form.errors else 200
    )


# --- Price lists ---------------------------------------------------------------------
@login_required
@permission_required("customers.view_pricelist", raise_exception=True)
@require_http_methods(["GET", "POST"])
def price_list_list(request: HttpRequest) -> HttpResponse:
    can_add = request.user.has_perm("customers.add_pricelist")
    initial: dict[str, Any] = {"currency": services.base_currency()}
    customer_id = query_id(request, "customer")
    if customer_id is not None:
        initial["customer"] = customer_id
    form = forms.PriceListForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied
        done = form.is_valid() and service_call(
            form, lambda: services.price_list_create(actor=request.user, **form.cleaned_data)
        )
        if done:
            messages.success(request, _("Price list created. Add its prices below."))
            return redirect("customers:price_list", price_list_id=done.result.pk)
    context = {
        "page": page_of(request, selectors.price_list_list(request.user)),
        "form": form,
        "can_add": can_add,
    }
    return render(
        request, "customers/price_lists.html", context, status=400 if form.errors else 200
    )


def _price_list_for(request, price_list_id) -> PriceList:
    return get_object_or_404(
        selectors.price_lists_visible_to(request.user).select_related("customer", "group"),
        pk=price_list_id,
    )


@login_required
@permission_required("customers.view_pricelist", raise_exception=True)
@require_http_methods(["GET", "POST"])
def price_list_detail(request: HttpRequest, price_list_id: int) -> HttpResponse:
    price_list = _price_list_for(request, price_list_id)
    initial = {
        name: getattr(price_list, name)
        for name in ("name", "currency", "valid_from", "valid_to", "notes")
    }
    edit_form = forms.PriceListEditForm(
        request.POST if request.POST.get("form") == "edit" else None, initial=initial
    )
    line_form = forms.PriceLineForm(request.POST if request.POST.get("form") == "line" else None)
    if request.method == "POST":
        if not request.user.has_perm("customers.change_pricelist"):
            raise PermissionDenied
        form, service = (
            (edit_form, services.price_list_update)
            if request.POST.get("form") == "edit"
            else (line_form, services.price_list_set_price)
        )
        if form.is_valid() and service_call(
            form,
            lambda: service(actor=request.user, price_list=price_list, **form.cleaned_data),
        ):
            messages.success(request, _("Price list saved."))
            return redirect("customers:price_list", price_list_id=price_list.pk)
    lines = price_list.lines.select_related("product").order_by("product__sku", "pk")
    context = {
        "price_list": price_list,
        "page": page_of(request, lines),
        "edit_form": edit_form,
        "line_form": line_form,
        "can_change": request.user.has_perm("customers.change_pricelist"),
        "can_delete": request.user.has_perm("customers.delete_pricelist"),
    }
    status = 400 if edit_form.errors or line_form.errors else 200
    return render(request, "customers/price_list.html", context, status=status)


@login_required
@permission_required("customers.change_pricelist", raise_exception=True)
@require_POST
def price_list_remove(request: HttpRequest, price_list_id: int, product_id: int) -> HttpResponse:
    price_list = _price_list_for(request, price_list_id)
    services.price_list_remove_product(
        actor=request.user, price_list=price_list, product_id=product_id
    )
    messages.success(request, _("Product removed from the list."))
    return redirect("customers:price_list", price_list_id=price_list.pk)


@login_required
@permission_required("customers.delete_pricelist", raise_exception=True)
@require_POST
def price_list_delete(request: HttpRequest, price_list_id: int) -> HttpResponse:
    price_list = _price_list_for(request, price_list_id)
    services.price_list_delete(actor=request.user, price_list=price_list)
    messages.success(request, _("Price list %(name)s deleted.") % {"name": price_list.name})
    return redirect("customers:price_lists")


# --- Groups --------------------------------------------------------------------------
@login_required
@permission_required("customers.view_customergroup", raise_exception=True)
@require_http_methods(["GET", "POST"])
def group_list(request: HttpRequest) -> HttpResponse:
    can_add = request.user.has_perm("customers.add_customergroup")
    form = forms.CustomerGroupForm(request.POST or None)
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied
        if form.is_valid() and service_call(
            form, lambda: services.customer_group_create(actor=request.user, **form.cleaned_data)
        ):
            messages.success(request, _("Group added."))
            return redirect("customers:groups")
    groups = selectors.customer_group_list()
    context = {"page": page_of(request, groups), "form": form, "can_add": can_add}
    return render(request, "customers/groups.html", context, status=400 if form.errors else 200)
