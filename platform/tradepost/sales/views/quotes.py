"""Quote pages: the list (status, only mine, expiring soon), making and editing a quote
with its lines, its page with each step of its life as a button the user may press,
the printable PDF, and converting it into an order.

Thin: every write is a service of `sales.quotes`; every quote is looked up through the
actor's scope (`selectors.quote_get`), so an id outside it is a 404 like a missing one.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from tradepost.customers import selectors as customer_selectors
from tradepost.masterdata.models import Currency
from tradepost.pipeline import selectors as pipeline_selectors
from tradepost.pricing import documents
from tradepost.principals import Actor
from tradepost.sales import forms as sales_forms
from tradepost.sales import quotes as services
from tradepost.sales import selectors
from tradepost.sales.filters import QuoteListFilter
from tradepost.sales.models import Quote
from tradepost.sales.pdf import quote_pdf
from tradepost.sales.views.emailing import email_view
from tradepost.workspace.forms import TypeaheadSelect, service_call
from tradepost.workspace.lists import list_page, query_id
from tradepost.workspace.steps import Step, step_view

ROWS_PER_PAGE = 50


# --- Forms ---------------------------------------------------------------------------
class FollowsCustomerSelect(forms.Select):
    """Options marked with their customer: the page offers only the chosen customer's
    (`data-follows`, tradepost.js)."""

    def __init__(self, attrs=None):
        super().__init__({"data-follows": "customer", **(attrs or {})})

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-follows-value"] = str(instance.customer_id)
        return option


class OpportunityChoice(forms.ModelChoiceField):
    widget = FollowsCustomerSelect

    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.customer.name})"


class QuoteForm(forms.Form):
    """The header of a quote; the lines come from `sales.forms.line_formset`."""

    customer = sales_forms.CustomerChoice(
        queryset=None, label=gettext_lazy("Customer"), widget=TypeaheadSelect("customer")
    )
    opportunity = OpportunityChoice(
        queryset=None, label=gettext_lazy("Opportunity"), required=False
    )
    currency = forms.ChoiceField(
        label=gettext_lazy("Currency"),
        choices=[("", gettext_lazy("The customer's currency")), *Currency.choices],
        required=False,
    )
    issued_on = forms.DateField(
        label=gettext_lazy("Date"),
        required=False,
        widget=sales_forms.DateInput(),
        help_text=gettext_lazy("Prices are taken on this day. Empty: today."),
    )
    valid_until = forms.DateField(
        label=gettext_lazy("Valid until"),
        required=False,
        widget=sales_forms.DateInput(),
        help_text=gettext_lazy("Empty: 30 days after the date."),
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes"),
        required=False,
        max_length=services.MAX_NOTES,
        widget=forms.Textarea({"rows": 3}),
        help_text=gettext_lazy("Printed on the quote."),
    )

    def __init__(self, *args, actor: Actor, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = (  # type: ignore[attr-defined]  # a ModelChoiceField
            customer_selectors.customers_visible_to(actor).filter(is_active=True).order_by("name")
        )
        self.fields["opportunity"].queryset = (  # type: ignore[attr-defined]  # a ModelChoiceField
            pipeline_selectors.opportunities_visible_to(actor)
            .select_related("customer")
            .order_by("name", "pk")
        )
        if editing:
            # Customer, opportunity, currency and date are fixed once the quote exists.
            for name in ("customer", "opportunity", "currency", "issued_on"):
                del self.fields[name]


# --- Helpers -------------------------------------------------------------------------
def _order_url(order_id: int) -> str | None:
    """The order's page, once the orders pages exist."""
    try:
        return reverse("sales:order", args=[order_id])
    except NoReverseMatch:
        return None


def _initial(request: HttpRequest) -> dict:
    """`?customer=<id>` and `?opportunity=<id>` preselect (in scope only)."""
    initial: dict = {}
    customer_id = customer_selectors.visible_customer_id(
        request.user, query_id(request, "customer")
    )
    if customer_id is not None:
        initial["customer"] = customer_id
    opportunity_id = query_id(request, "opportunity")
    if opportunity_id is not None:
        opportunity = (
            pipeline_selectors.opportunities_visible_to(request.user)
            .filter(pk=opportunity_id)
            .only("pk", "customer_id")
            .first()
        )
        if opportunity is not None:
            initial["opportunity"] = opportunity.pk
            initial["customer"] = opportunity.customer_id
    return initial


# --- The list ------------------------------------------------------------------------
@login_required
@permission_required("sales.view_quote", raise_exception=True)
def quote_list(request: HttpRequest) -> HttpResponse:
    quotes = (
        selectors.quotes_visible_to(request.user)
        .select_related("customer", "owner")
        .order_by("-issued_on", "-pk")
    )
    context = list_page(
        request, quotes, QuoteListFilter, per_page=ROWS_PER_PAGE, saved_filters="quotes"
    )
    context |= {"today": timezone.localdate(), "open_statuses": services.OPEN}
    return render(request, "sales/quotes/list.html", context)


# --- Make and edit -------------------------------------------------------------------
@login_required
@permission_required("sales.add_quote", raise_exception=True)
@require_http_methods(["GET", "POST"])
def quote_create(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = QuoteForm(data, actor=request.user, initial=_initial(request))
    formset = sales_forms.line_formset(data)
    if data is not None and form.is_valid() & formset.is_valid():
        fields = form.cleaned_data
        quote = service_call(
            form,
            lambda: services.quote_create(
                actor=request.user,
                customer=fields["customer"],
                opportunity=fields.get("opportunity"),
                currency=fields.get("currency") or None,
                issued_on=fields.get("issued_on"),
                valid_until=fields.get("valid_until"),
                notes=fields.get("notes", ""),
                lines=formset.line_items(),
            ),
            formset=formset,
        ).result
        if quote is not None:
            messages.success(
                request,
                _("Quote %(number)s saved as a draft. Send it when it is ready.")
                % {"number": quote.number},
            )
            return redirect("sales:quote", quote_id=quote.pk)
    status = 400 if data is not None else 200
    context = {"form": form, "formset": formset, "quote": None}
    return render(request, "sales/quotes/form.html", context, status=status)


@login_required
@permission_required("sales.change_quote", raise_exception=True)
@require_http_methods(["GET", "POST"])
def quote_edit(request: HttpRequest, quote_id: int) -> HttpResponse:
    quote = selectors.quote_get(request.user, quote_id)
    if not services.LIFECYCLE.allows("edit", request.user, quote):
        messages.error(request, _("Only a draft quote can be changed."))
        return redirect("sales:quote", quote_id=quote.pk)
    data = request.POST if request.method == "POST" else None
    initial = {"valid_until": quote.valid_until, "notes": quote.notes}
    form = QuoteForm(data, actor=request.user, editing=True, initial=initial)
    formset = sales_forms.line_formset(data, lines=quote.lines.all())
    if data is not None and form.is_valid() & formset.is_valid():
        fields = form.cleaned_data
        updated = service_call(
            form,
            lambda: services.quote_update(
                actor=request.user,
                quote=quote,
                lines=formset.line_items(),
                valid_until=fields.get("valid_until") or quote.valid_until,
                notes=fields.get("notes", ""),
            ),
            formset=formset,
        ).result
        if updated is not None:
            messages.success(request, _("Changes saved."))
            return redirect("sales:quote", quote_id=quote.pk)
    status = 400 if data is not None else 200
    context = {"form": form, "formset": formset, "quote": quote}
    return render(request, "sales/quotes/form.html", context, status=status)


# --- The quote's page ----------------------------------------------------------------
def _detail_context(request: HttpRequest, quote: Quote, **extra) -> dict:
    user = request.user
    expired = services.quote_is_expired(quote)
    lines = list(quote.lines.all())
    for line in lines:
        line.price_source_label = documents.PRICE_SOURCE_LABELS.get(  # type: ignore[attr-defined]
            line.price_source, line.price_source
        )
    orders = [
        {"order": order, "url": _order_url(order.pk) if user.has_perm("sales.view_order") else None}
        for order in quote.orders.order_by("pk")
    ]
    can = services.LIFECYCLE.buttons(user, quote)
    can_email = quote.status in services.OPEN and user.has_perm(
        str(services.LIFECYCLE["send"].permission)
    )
    return {
        "quote": quote,
        "lines": lines,
        "can": can,
        "can_email": can_email,
        "email_form": extra.pop("email_form", None)
        or sales_forms.DocumentEmailForm(initial={"to": quote.customer.email}),
        "expired": expired,
        "orders": orders,
        **extra,
    }


@login_required
@permission_required("sales.view_quote", raise_exception=True)
def quote_detail(request: HttpRequest, quote_id: int) -> HttpResponse:
    quote = selectors.quote_get(request.user, quote_id)
    return render(request, "sales/quotes/detail.html", _detail_context(request, quote))


@login_required
@permission_required("sales.view_quote", raise_exception=True)
def quote_pdf_download(request: HttpRequest, quote_id: int) -> HttpResponse:
    """The quote as a PDF, shown in the browser (and saved as `<number>.pdf`)."""
    quote = selectors.quote_get(request.user, quote_id)
    response = HttpResponse(quote_pdf(quote), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(  # type: ignore[assignment]
        as_attachment=False, filename=f"{quote.number}.pdf"
    )
    return response


def _email_failed(request: HttpRequest, quote: Quote, form) -> HttpResponse:
    context = _detail_context(request, quote, email_form=form)
    return render(request, "sales/quotes/detail.html", context, status=400)


# A draft is marked as sent as it goes (sales.quotes.quote_email).
quote_email = email_view(
    permission="sales.view_quote",
    get=selectors.quote_get,
    send=lambda actor, quote, to, message: services.quote_email(
        actor=actor, quote=quote, to=to, message=message
    ),
    page=lambda quote: reverse("sales:quote", args=[quote.pk]),
    done=lambda to: _("The quote is on its way to %(to)s.") % {"to": to},
    failed=_email_failed,
)


def _step_failed(
    request: HttpRequest, quote: Quote, step: str, exc: ValidationError
) -> HttpResponse:
    context = _detail_context(request, quote, step_errors=exc.messages)
    return render(request, "sales/quotes/detail.html", context, status=400)


quote_step = step_view(
    permission="sales.view_quote",
    get=selectors.quote_get,
    steps={
        "send": Step(
            lambda request, quote: services.quote_send(actor=request.user, quote=quote),
            done=gettext_lazy("Quote marked as sent."),
        ),
        "accept": Step(
            lambda request, quote: services.quote_accept(actor=request.user, quote=quote),
            done=gettext_lazy("Quote accepted. Convert it into an order when the customer orders."),
        ),
        "decline": Step(
            lambda request, quote: services.quote_decline(actor=request.user, quote=quote),
            done=gettext_lazy("Quote marked as declined."),
        ),
        "cancel": Step(
            lambda request, quote: services.quote_cancel(actor=request.user, quote=quote),
            done=gettext_lazy("Quote cancelled."),
        ),
        "convert": Step(
            lambda request, quote: services.quote_convert(actor=request.user, quote=quote),
            done=gettext_lazy("Order created from the quote at the quoted prices."),
            next=lambda quote, order: _order_url(order.pk),
        ),
    },
    page=lambda quote: reverse("sales:quote", args=[quote.pk]),
    failed=_step_failed,
)


urlpatterns = [
    path("quotes/", quote_list, name="quotes"),
    path("quotes/new/", quote_create, name="quote_create"),
    path("quotes/<int:quote_id>/", quote_detail, name="quote"),
    path("quotes/<int:quote_id>/edit/", quote_edit, name="quote_edit"),
    path("quotes/<int:quote_id>/pdf/", quote_pdf_download, name="quote_pdf"),
    path("quotes/<int:quote_id>/email/", quote_email, name="quote_email"),
    path("quotes/<int:quote_id>/<slug:step>/", quote_step, name="quote_step"),
]
