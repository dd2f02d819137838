"""Live prices of the order and quote entry forms: `POST …/prices/` with the form's own
fields (`sales/prices.js` sends the form as it stands) answers each line's price, its
source, promotion, tax and the document's totals as JSON (the totals also as the
workspace prints amounts, with its currency code or symbol), from `sales.previews`, which
prices exactly as saving does. Nothing is written.

The fields are parsed by the page's own forms (`OrderForm`, `QuoteForm`, the line
formset); a row still being typed (a product without its quantity, or the other way
round) is left out, not an error. Bad input is a 400 `{"errors": {field: [...]}}`
(a row's fields keyed `lines-<row>-<field>`, the pricing's refusals under `lines`);
a customer out of the caller's scope is refused like a missing one.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.template.defaultfilters import floatformat
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tradepost.amounts import money_text
from tradepost.masterdata.selectors import currency_symbols_shown
from tradepost.pricing.documents import PRICE_SOURCE_LABELS, LineInput, PricedLine
from tradepost.pricing.lines import decimal_text
from tradepost.sales import forms, previews, selectors
from tradepost.sales import orders as order_services
from tradepost.sales import quotes as quote_services
from tradepost.sales.views.quotes import QuoteForm

HEADER_FIELDS = ("customer", "currency", "agreement")


def _amount(value: Decimal) -> str:
    return str(floatformat(value, "2g"))


def _line(row: int, line: PricedLine) -> dict[str, Any]:
    amounts = line.amounts
    promotion = amounts.promotion
    return {
        "row": row,
        "product": line.request.product.pk,
        "quantity": decimal_text(line.request.quantity),
        "unit_price": str(line.unit_price),
        "price_source": line.price_source,
        "promotion": promotion.name if promotion else "",
        "promotion_discount": str(amounts.promotion_discount),
        "discount_amount": str(amounts.discount_amount),
        "tax_rate": decimal_text(line.tax_rate),
        "net_amount": str(amounts.net_amount),
        "tax_amount": str(amounts.tax_amount),
        "gross_amount": str(amounts.gross_amount),
        # As the page shows them: grouped digits, the reader's language.
        "display": {
            "price": _("%(price)s × %(quantity)s")
            % {"price": _amount(line.unit_price), "quantity": decimal_text(line.request.quantity)},
            "source": str(PRICE_SOURCE_LABELS.get(line.price_source, line.price_source)),
            "promotion": (
                _("%(promotion)s: −%(amount)s")
                % {"promotion": promotion.name, "amount": _amount(amounts.promotion_discount)}
                if promotion
                else ""
            ),
            "discount": (
                _("Discount: −%(amount)s") % {"amount": _amount(amounts.discount_amount)}
                if amounts.discount_amount
                else ""
            ),
            "tax": _("Tax %(rate)s%%: %(amount)s")
            % {"rate": decimal_text(line.tax_rate), "amount": _amount(amounts.tax_amount)},
            "net": _amount(amounts.net_amount),
            "gross": _amount(amounts.gross_amount),
        },
    }


def _answer(preview: previews.PricePreview, rows: list[int]) -> JsonResponse:
    totals = {
        "subtotal": preview.totals.subtotal,
        "discount_total": preview.totals.discount_total,
        "net_total": preview.totals.net_total,
        "tax_total": preview.totals.tax_total,
        "gross_total": preview.totals.gross_total,
    }
    symbol = currency_symbols_shown()
    return JsonResponse(
        {
            "currency": preview.currency,
            "lines": [_line(row, line) for row, line in zip(rows, preview.lines, strict=True)],
            "totals": {name: str(value) for name, value in totals.items()},
            "display": {name: _amount(value) for name, value in totals.items()},
            # With the currency as the workspace prints amounts: `300,000.00 CNY`, or
            # `¥300,000.00` when the company profile shows currency symbols.
            "money": {
                name: money_text(value, preview.currency, symbol=symbol)
                for name, value in totals.items()
            },
        }
    )


def _refused(errors: dict[str, list[str]]) -> JsonResponse:
    return JsonResponse({"errors": errors}, status=400)


def _lines(data) -> tuple[list[LineInput], list[int], dict[str, list[str]]]:
    """The complete rows of the posted formset as the services take them, their row
    numbers, and the errors of rows that do not parse."""
    formset = forms.line_formset(data)
    errors: dict[str, list[str]] = {}
    if not formset.management_form.is_valid():
        return [], [], {"lines": [_("The lines of the form are missing; reload the page.")]}
    if formset.total_form_count() > forms.MAX_LINE_ROWS:
        return [], [], {"lines": [_("Too many lines.")]}
    items: list[LineInput] = []
    rows: list[int] = []
    for row, form in enumerate(formset.forms):
        form.is_valid()
        if form.cleaned_data.get("DELETE"):
            continue
        bad = {
            name: messages
            for name, messages in form.errors.items()
            # Still being typed: the other half of the line is empty.
            if not (name in ("product", "quantity") and form[name].value() in (None, ""))
        }
        if bad:
            for name, messages in bad.items():
                errors[f"{formset.prefix}-{row}-{name}"] = [str(m) for m in messages]
            continue
        data_ = form.cleaned_data
        if form.errors or not (data_.get("product") and data_.get("quantity")):
            continue
        items.append(
            {
                "product": data_["product"],
                "quantity": data_["quantity"],
                "unit_price": data_.get("unit_price"),
                "discount_percent": data_.get("discount_percent"),
                "description": data_.get("description") or "",
            }
        )
        rows.append(row)
    return items, rows, errors


def _preview(
    header_errors: dict[str, list[str]],
    data,
    price: Callable[[list[LineInput]], previews.PricePreview],
) -> JsonResponse:
    items, rows, errors = _lines(data)
    errors = {**header_errors, **errors}
    if errors:
        return _refused(errors)
    try:
        preview = price(items)
    except ValidationError as error:
        return _refused(
            error.message_dict if hasattr(error, "error_dict") else {"lines": error.messages}
        )
    return _answer(preview, rows)


def _header_errors(form) -> dict[str, list[str]]:
    form.is_valid()
    return {name: list(messages) for name, messages in form.errors.items() if name in HEADER_FIELDS}


@login_required
@permission_required("sales.add_order", raise_exception=True)
@require_POST
def order_prices(request: HttpRequest) -> JsonResponse:
    """A new order's lines priced (`previews.order_price_preview`)."""
    form = forms.OrderForm(request.POST, actor=request.user)
    errors = _header_errors(form)
    fields = form.cleaned_data
    return _preview(
        errors,
        request.POST,
        lambda items: previews.order_price_preview(
            actor=request.user,
            customer=fields["customer"],
            lines=items,
            currency=fields.get("currency") or None,
            agreement=fields.get("agreement"),
        ),
    )


@login_required
@permission_required("sales.change_order", raise_exception=True)
@require_POST
def order_edit_prices(request: HttpRequest, order_id: int) -> JsonResponse:
    """An order's lines, as edited, priced on its date, in its currency, under its
    agreement (`previews.order_price_preview`, as `order_update` prices)."""
    order = selectors.order_get(request.user, order_id)
    if not order_services.LIFECYCLE.allows("edit", request.user, order):
        return _refused({"status": [_("Only a draft or a rejected order can be changed.")]})
    return _preview(
        {},
        request.POST,
        lambda items: previews.order_price_preview(
            actor=request.user,
            customer=order.customer,
            lines=items,
            currency=order.currency,
            agreement=order.agreement,
            order_date=order.order_date,
        ),
    )


@login_required
@permission_required("sales.add_quote", raise_exception=True)
@require_POST
def quote_prices(request: HttpRequest) -> JsonResponse:
    """A new quote's lines priced on its date (`previews.quote_price_preview`)."""
    form = QuoteForm(request.POST, actor=request.user)
    errors = _header_errors(form)
    if "issued_on" in form.errors:
        errors["issued_on"] = [str(message) for message in form.errors["issued_on"]]
    fields = form.cleaned_data
    return _preview(
        errors,
        request.POST,
        lambda items: previews.quote_price_preview(
            actor=request.user,
            customer=fields["customer"],
            lines=items,
            currency=fields.get("currency") or None,
            issued_on=fields.get("issued_on"),
        ),
    )


@login_required
@permission_required("sales.change_quote", raise_exception=True)
@require_POST
def quote_edit_prices(request: HttpRequest, quote_id: int) -> JsonResponse:
    """A draft quote's lines, as edited, priced on its date (as `quote_update` does)."""
    quote = selectors.quote_get(request.user, quote_id)
    if not quote_services.LIFECYCLE.allows("edit", request.user, quote):
        return _refused({"status": [_("Only a draft quote can be changed.")]})
    return _preview(
        {},
        request.POST,
        lambda items: previews.quote_price_preview(
            actor=request.user,
            customer=quote.customer,
            lines=items,
            currency=quote.currency,
            issued_on=quote.issued_on,
        ),
    )


urlpatterns = [
    path("orders/prices/", order_prices, name="order_prices"),
    path("orders/<int:order_id>/edit/prices/", order_edit_prices, name="order_edit_prices"),
    path("quotes/prices/", quote_prices, name="quote_prices"),
    path("quotes/<int:quote_id>/edit/prices/", quote_edit_prices, name="quote_edit_prices"),
]
